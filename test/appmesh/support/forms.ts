/**
 * The forms App Mesh users keep their meshes in, written from the same typed resources:
 * `describe-*` output, `create-* --cli-input-json` input, and CloudFormation templates in
 * JSON and in YAML with the short intrinsic tags. The CloudFormation spelling (PascalCase,
 * `AWSCloudMap`, `DNS`, `TLS`, `HTTP2`…) is the resource specification's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, isMap, isSeq, Scalar, visit } from 'yaml';
import type { ShopResource } from './shop-mesh';

type Json = Record<string, unknown>;

export const NAME_KEY: Record<ShopResource['kind'], string> = {
  mesh: 'meshName',
  virtualNode: 'virtualNodeName',
  virtualService: 'virtualServiceName',
  virtualRouter: 'virtualRouterName',
  route: 'routeName',
  virtualGateway: 'virtualGatewayName',
  gatewayRoute: 'gatewayRouteName',
};
const PARENT_KEY: Partial<Record<ShopResource['kind'], string>> = {
  route: 'virtualRouterName',
  gatewayRoute: 'virtualGatewayName',
};
const CFN_TYPE: Record<ShopResource['kind'], string> = {
  mesh: 'AWS::AppMesh::Mesh',
  virtualNode: 'AWS::AppMesh::VirtualNode',
  virtualService: 'AWS::AppMesh::VirtualService',
  virtualRouter: 'AWS::AppMesh::VirtualRouter',
  route: 'AWS::AppMesh::Route',
  virtualGateway: 'AWS::AppMesh::VirtualGateway',
  gatewayRoute: 'AWS::AppMesh::GatewayRoute',
};

/** The `create-*`, `update-*` --cli-input-json form. */
export function cliInput(r: ShopResource, mesh: string): Json {
  const out: Json = r.kind === 'mesh' ? {} : { meshName: mesh };
  out[NAME_KEY[r.kind]] = r.name;
  if (r.parent) out[PARENT_KEY[r.kind]!] = r.parent;
  out.spec = r.spec;
  return out;
}

/** The describe-* output form, with the read-only metadata and status App Mesh adds. */
export function describeOutput(r: ShopResource, mesh: string, version = 1): Json {
  return {
    [r.kind]: {
      ...cliInput(r, mesh),
      metadata: {
        arn: `arn:aws:appmesh:eu-west-1:111122223333:mesh/${mesh}/${r.kind}/${r.name}`,
        version,
        uid: '00000000-0000-0000-0000-000000000000',
        meshOwner: '111122223333',
        resourceOwner: '111122223333',
      },
      status: { status: 'ACTIVE' },
    },
  };
}

/** One file per resource, as people save them; returns the paths. */
export function writeApiFiles(
  dir: string,
  resources: readonly ShopResource[],
  mesh: string,
  form: 'describe' | 'cli-input',
): string[] {
  return resources.map((r, i) => {
    const file = join(dir, `${String(i).padStart(2, '0')}-${r.kind}-${r.name}.json`);
    writeFileSync(file, JSON.stringify(form === 'describe' ? describeOutput(r, mesh) : cliInput(r, mesh), null, 2));
    return file;
  });
}

const CFN_ACRONYMS: Record<string, string> = {
  acm: 'ACM',
  awsCloudMap: 'AWSCloudMap',
  dns: 'DNS',
  grpc: 'GRPC',
  http: 'HTTP',
  http2: 'HTTP2',
  sds: 'SDS',
  tcp: 'TCP',
  tls: 'TLS',
};

export function cfnShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cfnShape);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Json).map(([k, v]) => [
      CFN_ACRONYMS[k] ?? k.charAt(0).toUpperCase() + k.slice(1),
      cfnShape(v),
    ]),
  );
}

const pascal = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);

export const logicalId = (r: ShopResource) =>
  `${r.kind.charAt(0).toUpperCase()}${r.kind.slice(1)}${r.name.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase())}`;

/**
 * A CloudFormation template: the mesh name from a parameter with a Default, every other
 * reference between App Mesh resources through `Fn::GetAtt`, as hand-written templates and
 * aws-cdk's synthesized ones do.
 */
export function cfnTemplate(resources: readonly ShopResource[]): Json {
  const byName = (kind: ShopResource['kind'], name: string) =>
    resources.find((r) => r.kind === kind && r.name === name)!;
  const getAtt = (kind: ShopResource['kind'], name: string) => {
    return { 'Fn::GetAtt': [logicalId(byName(kind, name)), pascal(NAME_KEY[kind])] };
  };
  const mesh = resources.find((r) => r.kind === 'mesh')!;
  const templated: Json = {};
  for (const r of resources) {
    const spec = cfnShape(r.spec) as Json;
    // Point at other resources the way templates do.
    visitObjects(spec, (o) => {
      if (typeof o.VirtualNode === 'string') o.VirtualNode = getAtt('virtualNode', o.VirtualNode);
      if (typeof o.VirtualNodeName === 'string') o.VirtualNodeName = getAtt('virtualNode', o.VirtualNodeName);
      if (typeof o.VirtualRouterName === 'string') o.VirtualRouterName = getAtt('virtualRouter', o.VirtualRouterName);
    });
    const props: Json = {};
    if (r.kind === 'mesh') props.MeshName = { Ref: 'MeshName' };
    else props.MeshName = getAtt('mesh', mesh.name);
    if (r.kind !== 'mesh') props[pascal(NAME_KEY[r.kind])] = r.name;
    if (r.kind === 'route') props.VirtualRouterName = getAtt('virtualRouter', r.parent!);
    if (r.kind === 'gatewayRoute') props.VirtualGatewayName = getAtt('virtualGateway', r.parent!);
    props.Spec = spec;
    props.Tags = [{ Key: 'team', Value: 'shop' }];
    templated[logicalId(r)] = { Type: CFN_TYPE[r.kind], Properties: props };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { MeshName: { Type: 'String', Default: mesh.name } },
    Resources: templated,
  };
}

function visitObjects(value: unknown, f: (o: Json) => void): void {
  if (Array.isArray(value)) for (const v of value) visitObjects(v, f);
  else if (value && typeof value === 'object') {
    f(value as Json);
    for (const v of Object.values(value as Json)) visitObjects(v, f);
  }
}

/** The template as YAML, intrinsics in their short forms (`!Ref X`, `!GetAtt A.B`, `!Sub`). */
export function cfnYaml(template: Json): string {
  const doc = new Document(template);
  visit(doc, {
    Map(_key, node) {
      if (node.items.length !== 1) return undefined;
      const [pair] = node.items;
      const key = String((pair.key as Scalar).value);
      const value = pair.value;
      if (key === 'Ref' && value instanceof Scalar) {
        const s = new Scalar(value.value);
        s.tag = '!Ref';
        return s;
      }
      if (key === 'Fn::GetAtt' && isSeq(value)) {
        const s = new Scalar(value.items.map((i) => String((i as Scalar).value)).join('.'));
        s.tag = '!GetAtt';
        return s;
      }
      if (key === 'Fn::Sub' && value instanceof Scalar) {
        const s = new Scalar(value.value);
        s.tag = '!Sub';
        return s;
      }
      if (key.startsWith('Fn::') && (isSeq(value) || isMap(value))) {
        value.tag = `!${key.slice(4)}`;
        return value;
      }
      return undefined;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
