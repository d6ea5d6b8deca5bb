/**
 * The seven App Mesh resource kinds: what each is called, which field names it, which
 * resource it lives in (routes in a virtual router, gateway routes in a virtual gateway),
 * and the schema of its spec and of the documents the API reads and writes.
 */
import type {
  GatewayRouteSpec,
  MeshSpec,
  RouteSpec,
  VirtualGatewaySpec,
  VirtualNodeSpec,
  VirtualRouterSpec,
  VirtualServiceSpec,
} from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { gatewayRouteSpec } from './spec/gateway-route-spec';
import { meshSpec } from './spec/mesh-spec';
import { routeSpec } from './spec/route-spec';
import { int, text } from './spec/shape';
import { tags } from './spec/shared';
import { virtualGatewaySpec } from './spec/virtual-gateway-spec';
import { virtualNodeSpec } from './spec/virtual-node-spec';
import { virtualRouterSpec } from './spec/virtual-router-spec';
import { virtualServiceSpec } from './spec/virtual-service-spec';

export interface Specs {
  mesh: MeshSpec;
  virtualNode: VirtualNodeSpec;
  virtualService: VirtualServiceSpec;
  virtualRouter: VirtualRouterSpec;
  route: RouteSpec;
  virtualGateway: VirtualGatewaySpec;
  gatewayRoute: GatewayRouteSpec;
}
export type ResourceKind = keyof Specs;

export interface KindInfo {
  /** In App Mesh's words, for messages. */
  readonly label: string;
  /** The field that names a resource of this kind (`virtualNodeName`). */
  readonly nameKey: string;
  /** Routes and gateway routes: the kind they belong to. */
  readonly parent?: 'virtualRouter' | 'virtualGateway';
  readonly spec: z.ZodType;
  /** The CloudFormation resource type. */
  readonly cfnType: string;
}

export const KINDS: Record<ResourceKind, KindInfo> = {
  mesh: { label: 'mesh', nameKey: 'meshName', spec: meshSpec, cfnType: 'AWS::AppMesh::Mesh' },
  virtualNode: {
    label: 'virtual node',
    nameKey: 'virtualNodeName',
    spec: virtualNodeSpec,
    cfnType: 'AWS::AppMesh::VirtualNode',
  },
  virtualService: {
    label: 'virtual service',
    nameKey: 'virtualServiceName',
    spec: virtualServiceSpec,
    cfnType: 'AWS::AppMesh::VirtualService',
  },
  virtualRouter: {
    label: 'virtual router',
    nameKey: 'virtualRouterName',
    spec: virtualRouterSpec,
    cfnType: 'AWS::AppMesh::VirtualRouter',
  },
  route: {
    label: 'route',
    nameKey: 'routeName',
    parent: 'virtualRouter',
    spec: routeSpec,
    cfnType: 'AWS::AppMesh::Route',
  },
  virtualGateway: {
    label: 'virtual gateway',
    nameKey: 'virtualGatewayName',
    spec: virtualGatewaySpec,
    cfnType: 'AWS::AppMesh::VirtualGateway',
  },
  gatewayRoute: {
    label: 'gateway route',
    nameKey: 'gatewayRouteName',
    parent: 'virtualGateway',
    spec: gatewayRouteSpec,
    cfnType: 'AWS::AppMesh::GatewayRoute',
  },
};

export const RESOURCE_KINDS = Object.keys(KINDS) as ResourceKind[];

/** The kinds whose name fields a document holds, most specific first (a route input also names its router). */
export const DETECTION_ORDER: readonly ResourceKind[] = [
  'gatewayRoute',
  'route',
  'virtualNode',
  'virtualService',
  'virtualRouter',
  'virtualGateway',
  'mesh',
];

/**
 * Everything a `create-*`/`update-* --cli-input-json` input or a `describe-*` output holds
 * besides the names and the spec. Read so nothing unknown slips through; none of it is part
 * of the mesh's behaviour.
 */
export const documentExtras = {
  tags: tags.optional(),
  clientToken: z.string().optional(),
  meshOwner: z.string().optional(),
  /** describe-* only: read-only bookkeeping. */
  metadata: z.looseObject({ version: int().optional() }).optional(),
  status: z.looseObject({ status: z.string().optional() }).optional(),
};

/** The schema of a whole document of `kind`: names, spec and extras. */
export function documentSchema(kind: ResourceKind, opts: { meshOptional?: boolean } = {}) {
  const info = KINDS[kind];
  const names: Record<string, z.ZodType> = {
    meshName: opts.meshOptional ? text.optional() : text,
    [info.nameKey]: text,
  };
  if (info.parent) names[KINDS[info.parent].nameKey] = text;
  return z.strictObject({
    ...names,
    spec: kind === 'mesh' ? info.spec.optional() : info.spec,
    ...documentExtras,
  });
}
