/**
 * Checks and resolves routes and gateway routes: which listener each applies to, which
 * matches its protocol allows, and which version listener each target lands on.
 */
import { durationMs } from './duration';
import type { GatewayRoute } from './gateway';
import type { Timeout } from './listener';
import type {
  GatewayModel,
  GatewayRouteModel,
  HttpMatchModel,
  RouteModel,
  ServiceModel,
  TargetModel,
  TimeoutModel,
  VersionModel,
} from './model';
import type { Protocol } from './primitives';
import type { PathSegment, Problem } from './problem';
import type { RetryPolicy, Route, RouteMatch } from './route';

/** App Mesh's default retry policy (envoy-defaults in the App Mesh user guide). */
export const APP_MESH_DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  httpStatusCodes: [503],
  httpRetryEvents: ['stream-error'],
  tcpRetryEvents: ['connection-error'],
  grpcRetryEvents: ['unavailable'],
};

export interface RouteContext {
  readonly problems: Problem[];
  /** Services by name, versions resolved (routes not yet). */
  readonly services: ReadonlyMap<string, { listeners: ServiceModel['listeners']; versions: readonly VersionModel[] }>;
  readonly defaults: { readonly retryPolicy: RetryPolicy; readonly timeout: TimeoutModel };
}

export function timeoutModel(t: Timeout | undefined): TimeoutModel {
  return {
    perRequestMs: t?.perRequest === undefined ? undefined : durationMs(t.perRequest),
    idleMs: t?.idle === undefined ? undefined : durationMs(t.idle),
  };
}

/** The listener a route applies to: `match.port`, or the only one. */
/** A route names its port in `match.port`; a gateway route's target in `target.port`. */
function portPath(path: readonly PathSegment[]): PathSegment[] {
  return path[path.length - 1] === 'target' ? [...path, 'port'] : [...path, 'match', 'port'];
}

function pickListener(
  listeners: readonly { port: number; protocol: Protocol }[],
  port: number | undefined,
  path: readonly PathSegment[],
  owner: string,
  ctx: RouteContext,
): { port: number; protocol: Protocol } | undefined {
  if (listeners.length === 0) {
    ctx.problems.push({ path, reason: `${owner} has no listeners, so it cannot be routed to` });
    return undefined;
  }
  if (port !== undefined) {
    const l = listeners.find((x) => x.port === port);
    if (!l) {
      ctx.problems.push({
        path: portPath(path),
        reason: `${owner} has no listener on port ${port} (ports: ${listeners.map((x) => x.port).join(', ')})`,
      });
    }
    return l;
  }
  if (listeners.length > 1) {
    ctx.problems.push({
      path: portPath(path),
      reason: `required: ${owner} listens on ${listeners.map((x) => x.port).join(', ')}; say which port this route is for`,
    });
    return undefined;
  }
  return listeners[0];
}

const HTTP_ONLY: (keyof RouteMatch)[] = ['path', 'headers', 'queryParameters', 'method', 'scheme', 'body'];
const GRPC_ONLY: (keyof RouteMatch)[] = ['serviceName', 'methodName', 'metadata'];

/** Checks a match against its protocol and normalizes it; `undefined` for TCP. */
function httpMatch(
  match: RouteMatch | undefined,
  protocol: Protocol,
  path: readonly PathSegment[],
  ctx: RouteContext,
): HttpMatchModel | undefined {
  const m = match ?? {};
  const disallow = (keys: (keyof RouteMatch)[], why: string) => {
    for (const k of keys) if (m[k] !== undefined) ctx.problems.push({ path: [...path, 'match', k], reason: why });
  };
  if (protocol === 'tcp') {
    disallow([...HTTP_ONLY, ...GRPC_ONLY], 'tcp routes match only on port');
    return undefined;
  }
  if (protocol === 'grpc') {
    disallow(HTTP_ONLY, 'grpc routes match on serviceName, methodName and metadata');
    if (m.methodName !== undefined && m.serviceName === undefined) {
      ctx.problems.push({ path: [...path, 'match', 'methodName'], reason: 'needs serviceName' });
    }
    const prefix = m.serviceName ? `/${m.serviceName}/${m.methodName ?? ''}` : '/';
    return {
      path: m.methodName ? { exact: prefix } : { prefix },
      headers: m.metadata ?? [],
      queryParameters: [],
      grpc: true,
    };
  }
  disallow(GRPC_ONLY, `${protocol} routes match on path, headers, queryParameters, method, scheme and body`);
  return {
    path: m.path ?? { prefix: '/' },
    headers: m.headers ?? [],
    queryParameters: m.queryParameters ?? [],
    method: m.method,
    scheme: m.scheme,
    body: m.body,
    grpc: false,
  };
}

function checkRetryPolicy(
  policy: RetryPolicy,
  protocol: Protocol,
  timeout: TimeoutModel,
  path: readonly PathSegment[],
  ctx: RouteContext,
) {
  const p = [...path, 'retryPolicy'];
  if (protocol === 'tcp') {
    for (const k of ['httpRetryEvents', 'grpcRetryEvents', 'httpStatusCodes', 'perRetryTimeout'] as const) {
      if (policy[k] !== undefined)
        ctx.problems.push({ path: [...p, k], reason: 'tcp routes retry only on tcpRetryEvents' });
    }
  } else if (protocol !== 'grpc' && policy.grpcRetryEvents !== undefined) {
    ctx.problems.push({ path: [...p, 'grpcRetryEvents'], reason: 'only grpc routes have grpc retry events' });
  }
  if (policy.perRetryTimeout && timeout.perRequestMs && durationMs(policy.perRetryTimeout) > timeout.perRequestMs) {
    ctx.problems.push({
      path: [...p, 'perRetryTimeout'],
      reason: `${policy.perRetryTimeout} exceeds the route's perRequest timeout; no retry could ever start`,
    });
  }
  if (policy.backoff?.max && durationMs(policy.backoff.max) < durationMs(policy.backoff.base)) {
    ctx.problems.push({ path: [...p, 'backoff', 'max'], reason: 'must not be less than backoff.base' });
  }
}

function resolveTargets(
  route: Route,
  serviceName: string,
  protocol: Protocol,
  listenerPort: number,
  path: readonly PathSegment[],
  ctx: RouteContext,
): TargetModel[] {
  const out: TargetModel[] = [];
  const seen = new Set<string>();
  route.targets.forEach((t, i) => {
    const tp = [...path, 'targets', i];
    const svcName = t.service ?? serviceName;
    const svc = ctx.services.get(svcName);
    if (!svc) {
      ctx.problems.push({ path: [...tp, 'service'], reason: `no service named '${svcName}' in the mesh` });
      return;
    }
    let version: VersionModel | undefined;
    if (t.version === undefined) {
      if (svc.versions.length !== 1) {
        ctx.problems.push({
          path: [...tp, svc.versions.length === 0 ? 'service' : 'version'],
          reason:
            svc.versions.length === 0
              ? `required: service '${svcName}' has no versions of its own; name the service whose version this is`
              : `required: service '${svcName}' has versions ${svc.versions.map((v) => v.name).join(', ')}`,
        });
        return;
      }
      version = svc.versions[0];
    } else {
      version = svc.versions.find((v) => v.name === t.version);
      if (!version) {
        ctx.problems.push({
          path: [...tp, 'version'],
          reason: `service '${svcName}' has no version '${t.version}' (versions: ${svc.versions.map((v) => v.name).join(', ')})`,
        });
        return;
      }
    }
    const listeners = version.listeners;
    let listener = t.port !== undefined ? listeners.find((l) => l.port === t.port) : undefined;
    if (t.port !== undefined && !listener) {
      ctx.problems.push({
        path: [...tp, 'port'],
        reason: `version '${svcName}/${version.name}' has no listener on port ${t.port}`,
      });
      return;
    }
    if (!listener) {
      listener = listeners.length === 1 ? listeners[0] : listeners.find((l) => l.port === listenerPort);
      if (!listener) {
        ctx.problems.push({
          path: [...tp, listeners.length === 0 ? 'version' : 'port'],
          reason:
            listeners.length === 0
              ? `version '${svcName}/${version.name}' has no listeners`
              : `required: version '${svcName}/${version.name}' listens on ${listeners.map((l) => l.port).join(', ')}`,
        });
        return;
      }
    }
    if ((listener.protocol === 'tcp') !== (protocol === 'tcp')) {
      ctx.problems.push({
        path: tp,
        reason: `a ${protocol} route cannot target ${svcName}/${version.name}'s ${listener.protocol} listener on port ${listener.port}`,
      });
      return;
    }
    const key = `${svcName}/${version.name}:${listener.port}`;
    if (seen.has(key)) {
      ctx.problems.push({ path: tp, reason: `${key} is already a target of this route` });
      return;
    }
    seen.add(key);
    out.push({ service: svcName, version: version.name, port: listener.port, weight: t.weight });
  });
  if (out.length === route.targets.length && out.reduce((s, t) => s + t.weight, 0) === 0) {
    ctx.problems.push({ path: [...path, 'targets'], reason: 'weights sum to 0, so no request could be routed' });
  }
  return out;
}

export function resolveRoute(
  route: Route,
  index: number,
  service: { name: string; listeners: readonly { port: number; protocol: Protocol }[] },
  ctx: RouteContext,
): RouteModel | undefined {
  const path: PathSegment[] = ['services', service.name, 'routes', index];
  const listener = pickListener(service.listeners, route.match?.port, path, `service '${service.name}'`, ctx);
  if (!listener) return undefined;
  const { protocol } = listener;
  const match = httpMatch(route.match, protocol, path, ctx);
  const timeout = route.timeout ? timeoutModel(route.timeout) : ctx.defaults.timeout;
  const retryPolicy = route.retryPolicy ?? ctx.defaults.retryPolicy;
  if (route.retryPolicy) checkRetryPolicy(route.retryPolicy, protocol, timeout, path, ctx);
  if (route.rewrite) {
    if (protocol === 'tcp' || protocol === 'grpc') {
      ctx.problems.push({ path: [...path, 'rewrite'], reason: `${protocol} routes cannot rewrite` });
    } else if (route.rewrite.prefix !== undefined && match?.path.regex !== undefined) {
      ctx.problems.push({
        path: [...path, 'rewrite', 'prefix'],
        reason: 'needs a prefix or exact path match, not a regex',
      });
    }
  }
  const targets = resolveTargets(route, service.name, protocol, listener.port, path, ctx);
  return {
    service: service.name,
    name: route.name,
    protocol,
    port: listener.port,
    match,
    targets,
    retryPolicy: retryPolicy.maxRetries > 0 ? retryPolicy : undefined,
    timeout,
    rewrite: route.rewrite,
    path,
  };
}

/** Lower priority first; routes without a priority after those with one; ties keep file order. */
export function byPriority<T extends { priority?: number }>(items: readonly T[]): { item: T; index: number }[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (a.item.priority ?? 1001) - (b.item.priority ?? 1001) || a.index - b.index);
}

export function resolveGatewayRoute(
  route: GatewayRoute,
  index: number,
  gateway: Pick<GatewayModel, 'name' | 'listeners'>,
  ctx: RouteContext,
): GatewayRouteModel | undefined {
  const path: PathSegment[] = ['gateways', gateway.name, 'routes', index];
  const listener = pickListener(gateway.listeners, route.match?.port, path, `gateway '${gateway.name}'`, ctx);
  const svc = ctx.services.get(route.target.service);
  if (!svc) {
    ctx.problems.push({
      path: [...path, 'target', 'service'],
      reason: `no service named '${route.target.service}' in the mesh`,
    });
  }
  if (!listener || !svc) return undefined;
  const targetListener = pickListener(
    svc.listeners,
    route.target.port,
    [...path, 'target'],
    `service '${route.target.service}'`,
    ctx,
  );
  if (!targetListener) return undefined;
  if (targetListener.protocol === 'tcp') {
    ctx.problems.push({
      path: [...path, 'target'],
      reason: `gateways route HTTP and gRPC; '${route.target.service}' port ${targetListener.port} is tcp`,
    });
    return undefined;
  }
  const m = route.match ?? {};
  const grpc = listener.protocol === 'grpc';
  const check = (keys: (keyof typeof m)[], why: string) => {
    for (const k of keys) if (m[k] !== undefined) ctx.problems.push({ path: [...path, 'match', k], reason: why });
  };
  if (grpc)
    check(
      ['path', 'headers', 'queryParameters', 'method'],
      'grpc gateway routes match on hostname, serviceName and metadata',
    );
  else
    check(
      ['serviceName', 'metadata'],
      `${listener.protocol} gateway routes match on hostname, path, headers, queryParameters and method`,
    );
  const match: HttpMatchModel = grpc
    ? {
        path: { prefix: m.serviceName ? `/${m.serviceName}/` : '/' },
        headers: m.metadata ?? [],
        queryParameters: [],
        grpc: true,
      }
    : {
        path: m.path ?? { prefix: '/' },
        headers: m.headers ?? [],
        queryParameters: m.queryParameters ?? [],
        method: m.method,
        grpc: false,
      };

  const rw = route.rewrite ?? {};
  if (rw.prefix !== undefined && rw.prefix !== false && match.path.prefix === undefined) {
    ctx.problems.push({ path: [...path, 'rewrite', 'prefix'], reason: 'needs a path prefix match' });
  }
  if (rw.path !== undefined && rw.prefix !== undefined) {
    ctx.problems.push({ path: [...path, 'rewrite'], reason: 'set only one of prefix, path' });
  }
  if (grpc && (rw.prefix || rw.path)) {
    ctx.problems.push({ path: [...path, 'rewrite'], reason: 'grpc gateway routes can only rewrite the hostname' });
  }
  // App Mesh rewrites a matched prefix to '/' unless told otherwise; exact and regex paths are kept.
  const prefixRewrite = rw.path !== undefined || grpc || match.path.prefix === undefined ? false : (rw.prefix ?? '/');
  return {
    gateway: gateway.name,
    name: route.name,
    protocol: listener.protocol,
    port: listener.port,
    hostname: m.hostname,
    match,
    target: { service: route.target.service, port: targetListener.port },
    prefixRewrite,
    pathRewrite: rw.path,
    hostnameRewrite: rw.hostname === false ? 'keep' : 'target',
    path,
  };
}
