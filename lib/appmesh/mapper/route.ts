/**
 * A virtual router's route as a Trellis route: its match (HTTP, HTTP/2, gRPC or TCP), its
 * weighted targets (virtual nodes, found as the versions they became), retry policy,
 * timeouts and priority. App Mesh ordered routes without a priority longest prefix first;
 * the importer writes them in that order, since Trellis keeps file order.
 */
import type { GrpcRoute, HttpRoute, RouteSpec, TcpRoute, WeightedTarget } from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import type { PathSegment } from '../../model/problem';
import type { retryPolicy, route, routeMatch, target } from '../../model/route';
import type { Resource } from '../document';
import type { MapContext } from './context';
import { duration } from './duration';
import { timeoutSpec } from './listener';
import { headerMatchSpec, pathMatchSpec, queryParameterSpec } from './match';

export type RouteSpecOut = z.input<typeof route>;
type RouteMatchSpec = z.input<typeof routeMatch>;
type TargetSpec = z.input<typeof target>;
type RetryPolicySpec = z.input<typeof retryPolicy>;

export const ROUTE_KINDS = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

/** The one protocol block a route spec sets; the rest is an error App Mesh would give too. */
export function routeKind(
  spec: { [K in RouteKind]?: unknown },
  r: Resource,
  ctx: MapContext,
  kinds: readonly string[] = ROUTE_KINDS,
): string | undefined {
  const set = kinds.filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (set.length !== 1) {
    ctx.report.error(
      r.source,
      ['spec'],
      set.length
        ? `set only one of ${kinds.join(', ')} (found ${set.join(' and ')})`
        : `set one of ${kinds.join(', ')}`,
    );
    return undefined;
  }
  return set[0];
}

/** The path prefix App Mesh sorted unprioritized routes by. */
export function routePrefixLength(spec: RouteSpec): number {
  const m = (spec.httpRoute ?? spec.http2Route)?.match;
  if (m) return (m.prefix ?? m.path?.exact ?? '').length;
  const g = spec.grpcRoute?.match;
  return g ? `/${g.serviceName ?? ''}/${g.methodName ?? ''}`.length : 0;
}

function matchSpec(kind: string, spec: RouteSpec, r: Resource<'route'>, at: readonly PathSegment[], ctx: MapContext) {
  const from: PathSegment[] = ['spec', kind, 'match'];
  const out: RouteMatchSpec = {};
  const trace = (key: string, appMeshKey: string = key) => ctx.trace.set([...at, key], r.source, [...from, appMeshKey]);
  // A bad regex in headers[1] is reported at headers[1].match, where the user wrote it.
  const traceItems = (key: string, n: number, inner: string) => {
    trace(key);
    for (let i = 0; i < n; i++) ctx.trace.set([...at, key, i], r.source, [...from, key, i, inner]);
  };
  if (kind === 'tcpRoute') {
    const port = (spec.tcpRoute as TcpRoute).match?.port;
    if (port !== undefined) {
      out.port = port;
      trace('port');
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (kind === 'grpcRoute') {
    const m = (spec.grpcRoute as GrpcRoute).match ?? {};
    if (m.serviceName !== undefined) {
      out.serviceName = m.serviceName;
      trace('serviceName');
    }
    if (m.methodName !== undefined) {
      out.methodName = m.methodName;
      trace('methodName');
    }
    if (m.metadata?.length) {
      out.metadata = m.metadata.map((h) => headerMatchSpec(h));
      traceItems('metadata', m.metadata.length, 'match');
    }
    if (m.port !== undefined) {
      out.port = m.port;
      trace('port');
    }
    return Object.keys(out).length ? out : undefined;
  }
  const m = (spec[kind as 'httpRoute'] as HttpRoute).match ?? {};
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
  if (m.scheme !== undefined) {
    out.scheme = m.scheme;
    trace('scheme');
  }
  if (m.port !== undefined) {
    out.port = m.port;
    trace('port');
  }
  return Object.keys(out).length ? out : undefined;
}

function targetSpec(
  t: WeightedTarget,
  service: string,
  r: Resource<'route'>,
  from: readonly PathSegment[],
  ctx: MapContext,
): TargetSpec | undefined {
  const node = t.virtualNode ?? '';
  const placed = ctx.placement.versions.get(node);
  if (!placed) {
    ctx.report.error(
      r.source,
      [...from, 'virtualNode'],
      `no virtual node '${node}' in the input (nodes: ${[...ctx.inventory.virtualNodes.keys()].sort().join(', ') || 'none'})`,
    );
    return undefined;
  }
  const out: TargetSpec = {};
  if (placed.service !== service) out.service = placed.service;
  out.version = placed.version;
  out.weight = t.weight;
  if (t.port !== undefined) out.port = t.port;
  return out;
}

function retrySpec(p: NonNullable<GrpcRoute['retryPolicy']>): RetryPolicySpec {
  const out: RetryPolicySpec = { maxRetries: p.maxRetries ?? 0 };
  if (p.perRetryTimeout) out.perRetryTimeout = duration(p.perRetryTimeout);
  if (p.httpRetryEvents?.length) out.httpRetryEvents = p.httpRetryEvents as never;
  if (p.tcpRetryEvents?.length) out.tcpRetryEvents = p.tcpRetryEvents as never;
  if (p.grpcRetryEvents?.length) out.grpcRetryEvents = p.grpcRetryEvents as never;
  return out;
}

const KIND_PROTOCOL: Record<string, string> = {
  httpRoute: 'http',
  http2Route: 'http2',
  grpcRoute: 'grpc',
  tcpRoute: 'tcp',
};

/** App Mesh refused a route whose kind is not its listener's protocol; Trellis takes the protocol from the listener, so say so here. */
function checkListener(
  kind: string,
  spec: RouteSpec,
  listeners: readonly { port: number; protocol: string }[],
  r: Resource<'route'>,
  ctx: MapContext,
): boolean {
  const port = (spec[kind as RouteKind] as { match?: { port?: number } }).match?.port;
  const listener =
    port !== undefined ? listeners.find((l) => l.port === port) : listeners.length === 1 ? listeners[0] : undefined;
  if (!listener || listener.protocol === KIND_PROTOCOL[kind]) return true;
  ctx.report.error(
    r.source,
    ['spec', kind],
    `a ${kind} cannot serve the virtual router's ${listener.protocol} listener on port ${listener.port}; use ${listener.protocol === 'http' ? 'httpRoute' : `${listener.protocol}Route`}`,
  );
  return false;
}

export function routeSpecOut(
  r: Resource<'route'>,
  name: string,
  service: string,
  listeners: readonly { port: number; protocol: string }[],
  at: readonly PathSegment[],
  ctx: MapContext,
): RouteSpecOut | undefined {
  const spec = r.spec as RouteSpec;
  const kind = routeKind(spec, r, ctx);
  if (!kind || !checkListener(kind, spec, listeners, r, ctx)) return undefined;
  ctx.trace.set(at, r.source, ['spec', kind]);
  ctx.trace.set([...at, 'name'], r.source, ['routeName']);
  const body = spec[kind as RouteKind] as HttpRoute & GrpcRoute & TcpRoute;
  const targets: TargetSpec[] = [];
  let missing = false;
  (body.action?.weightedTargets ?? []).forEach((t, i) => {
    const from: PathSegment[] = ['spec', kind, 'action', 'weightedTargets', i];
    const out = targetSpec(t, service, r, from, ctx);
    if (!out) missing = true;
    else {
      ctx.trace.set([...at, 'targets', targets.length], r.source, from);
      targets.push(out);
    }
  });
  if (missing) return undefined;
  if (spec.priority !== undefined) ctx.trace.set([...at, 'priority'], r.source, ['spec', 'priority']);
  const match = matchSpec(kind, spec, r, [...at, 'match'], ctx);
  // In this order, the YAML reads name, priority, match, targets.
  const out: RouteSpecOut = {
    name,
    ...(spec.priority !== undefined ? { priority: spec.priority } : {}),
    ...(match ? { match } : {}),
    targets,
  };
  if (body.retryPolicy) {
    out.retryPolicy = retrySpec(body.retryPolicy);
    ctx.trace.set([...at, 'retryPolicy'], r.source, ['spec', kind, 'retryPolicy']);
  }
  if (body.timeout) {
    out.timeout = timeoutSpec(body.timeout);
    ctx.trace.set([...at, 'timeout'], r.source, ['spec', kind, 'timeout']);
  }
  return out;
}
