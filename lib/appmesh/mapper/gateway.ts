/**
 * A virtual gateway and its gateway routes as a Trellis gateway: listeners, access log, and
 * routes matching hostname, path, headers, query parameters, method and port (gRPC: service
 * name and metadata), with App Mesh's rewrites. Client policy and listener TLS are reported.
 */
import type {
  GatewayRouteSpec,
  GrpcGatewayRoute,
  HttpGatewayRoute,
  VirtualGatewaySpec,
} from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import type { gateway, gatewayRoute, gatewayRouteMatch } from '../../model/gateway';
import type { PathSegment } from '../../model/problem';
import type { Resource } from '../document';
import { NameScope, toIdentifier } from '../names';
import { accessLogSpec } from './access-log';
import type { MapContext } from './context';
import { gatewayListenerSpec } from './listener';
import { headerMatchSpec, pathMatchSpec, queryParameterSpec } from './match';
import { reportClientPolicy } from './mtls';
import { routeKind } from './route';

export type GatewaySpecOut = z.input<typeof gateway>;
type GatewayRouteSpecOut = z.input<typeof gatewayRoute>;
type GatewayRouteMatchSpec = z.input<typeof gatewayRouteMatch>;

const GATEWAY_ROUTE_KINDS = ['httpRoute', 'http2Route', 'grpcRoute'];

function matchSpec(
  kind: string,
  body: HttpGatewayRoute & GrpcGatewayRoute,
  r: Resource,
  at: readonly PathSegment[],
  ctx: MapContext,
) {
  const m = body.match ?? {};
  const out: GatewayRouteMatchSpec = {};
  const trace = (key: string, appMeshKey: string = key) =>
    ctx.trace.set([...at, key], r.source, ['spec', kind, 'match', appMeshKey]);
  const traceItems = (key: string, n: number, inner: string) => {
    trace(key);
    for (let i = 0; i < n; i++) ctx.trace.set([...at, key, i], r.source, ['spec', kind, 'match', key, i, inner]);
  };
  if (m.hostname) {
    out.hostname = m.hostname.exact !== undefined ? { exact: m.hostname.exact } : { suffix: m.hostname.suffix };
    if (m.hostname.exact !== undefined && m.hostname.suffix !== undefined) out.hostname.suffix = m.hostname.suffix;
    trace('hostname');
  }
  if (kind === 'grpcRoute') {
    if (m.serviceName !== undefined) {
      out.serviceName = m.serviceName;
      trace('serviceName');
    }
    if (m.metadata?.length) {
      out.metadata = m.metadata.map(headerMatchSpec);
      traceItems('metadata', m.metadata.length, 'match');
    }
  } else {
    const path = pathMatchSpec(m.prefix, m.path);
    if (path) {
      out.path = path;
      trace('path', m.prefix !== undefined ? 'prefix' : 'path');
    }
    if (m.headers?.length) {
      out.headers = m.headers.map(headerMatchSpec);
      traceItems('headers', m.headers.length, 'match');
    }
    if (m.queryParameters?.length) {
      out.queryParameters = m.queryParameters.map(queryParameterSpec);
      traceItems('queryParameters', m.queryParameters.length, 'match');
    }
    if (m.method !== undefined) {
      out.method = m.method;
      trace('method');
    }
  }
  if (m.port !== undefined) {
    out.port = m.port;
    trace('port');
  }
  return Object.keys(out).length ? out : undefined;
}

function gatewayRouteSpecOut(
  r: Resource<'gatewayRoute'>,
  name: string,
  at: readonly PathSegment[],
  ctx: MapContext,
): GatewayRouteSpecOut | undefined {
  const spec = r.spec as GatewayRouteSpec;
  const kind = routeKind(spec, r, ctx, GATEWAY_ROUTE_KINDS);
  if (!kind) return undefined;
  const body = spec[kind as 'httpRoute'] as HttpGatewayRoute & GrpcGatewayRoute;
  const targetFrom: PathSegment[] = ['spec', kind, 'action', 'target'];
  const vsName = body.action?.target?.virtualService?.virtualServiceName ?? '';
  const service = ctx.placement.services.get(vsName);
  if (service === undefined) {
    ctx.report.error(
      r.source,
      [...targetFrom, 'virtualService', 'virtualServiceName'],
      ctx.inventory.virtualServices.has(vsName)
        ? `virtual service '${vsName}' has no provider, so the gateway route has nowhere to send traffic`
        : `no virtual service '${vsName}' in the input`,
    );
    return undefined;
  }
  ctx.trace.set(at, r.source, ['spec', kind]);
  ctx.trace.set([...at, 'name'], r.source, ['gatewayRouteName']);
  ctx.trace.set([...at, 'target'], r.source, targetFrom);
  const out: GatewayRouteSpecOut = { name, target: { service } };
  if (body.action?.target?.port !== undefined) out.target.port = body.action.target.port;
  if (spec.priority !== undefined) {
    out.priority = spec.priority;
    ctx.trace.set([...at, 'priority'], r.source, ['spec', 'priority']);
  }
  const match = matchSpec(kind, body, r, [...at, 'match'], ctx);
  if (match) out.match = match;

  const rw = body.action?.rewrite;
  if (rw) {
    const rewrite: NonNullable<GatewayRouteSpecOut['rewrite']> = {};
    const rwFrom: PathSegment[] = ['spec', kind, 'action', 'rewrite'];
    ctx.trace.set([...at, 'rewrite'], r.source, rwFrom);
    if (rw.prefix?.value !== undefined) rewrite.prefix = rw.prefix.value;
    else if (rw.prefix?.defaultPrefix === 'DISABLED') rewrite.prefix = false;
    if (rw.path?.exact !== undefined) rewrite.path = rw.path.exact;
    if (rw.hostname?.defaultTargetHostname === 'DISABLED') rewrite.hostname = false;
    if (Object.keys(rewrite).length) out.rewrite = rewrite;
  }
  return out;
}

export function gatewaySpecOut(gw: Resource<'virtualGateway'>, name: string, ctx: MapContext): GatewaySpecOut {
  const spec = gw.spec as VirtualGatewaySpec;
  const at: PathSegment[] = ['gateways', name];
  ctx.trace.set(at, gw.source, ['spec']);
  const out: GatewaySpecOut = {
    listeners: (spec.listeners ?? []).map((l, i) =>
      gatewayListenerSpec(l, gw.source, ['spec', 'listeners', i], [...at, 'listeners', i], ctx),
    ),
    routes: [],
  };
  if (spec.backendDefaults?.clientPolicy) {
    reportClientPolicy(ctx, gw.source, ['spec', 'backendDefaults', 'clientPolicy']);
  }
  if (spec.logging?.accessLog) {
    const log = accessLogSpec(spec.logging.accessLog);
    if (log) {
      ctx.trace.set([...at, 'accessLog'], gw.source, ['spec', 'logging', 'accessLog']);
      out.accessLog = log;
    }
  }
  const names = new NameScope(toIdentifier);
  const routes = ctx.inventory.gatewayRoutes.filter((r) => r.parent === gw.name);
  const routesOut: GatewayRouteSpecOut[] = [];
  for (const r of routes) {
    const routeName = names.claim(r.name);
    const route = gatewayRouteSpecOut(r, routeName, [...at, 'routes', routesOut.length], ctx);
    if (route) routesOut.push(route);
  }
  out.routes = routesOut;
  return out;
}
