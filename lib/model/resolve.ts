/**
 * Resolves a parsed mesh into the model the compiler consumes, reporting every broken
 * reference on the way: unknown services and versions, listeners callers cannot agree
 * on, duplicate ports, limits that do not fit a listener's protocol.
 */
import type { Listener } from './listener';
import type { ParsedMesh } from './mesh';
import type {
  ExternalServiceModel,
  GatewayModel,
  ListenerModel,
  MeshModel,
  RouteModel,
  ServiceModel,
  VersionModel,
} from './model';
import type { Protocol } from './primitives';
import type { PathSegment, Problem } from './problem';
import {
  APP_MESH_DEFAULT_RETRY_POLICY,
  byPriority,
  type RouteContext,
  resolveGatewayRoute,
  resolveRoute,
  timeoutModel,
} from './resolve-route';
import { resolveAuthorization, resolveMtls, resolveRouteJwt } from './resolve-security';
import type { Service } from './service';
import type { Version } from './version';

const byName = <T>(record: Record<string, T> | undefined): [string, T][] =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function resolveListeners(
  listeners: readonly Listener[],
  path: readonly PathSegment[],
  problems: Problem[],
): ListenerModel[] {
  const seen = new Set<number>();
  return listeners.map((l, i) => {
    const lp = [...path, 'listeners', i];
    if (seen.has(l.port))
      problems.push({ path: [...lp, 'port'], reason: `port ${l.port} is already used by another listener` });
    seen.add(l.port);
    const pool = l.connectionPool ?? {};
    const allowed: Record<Protocol, (keyof typeof pool)[]> = {
      http: ['maxConnections', 'maxPendingRequests'],
      http2: ['maxRequests'],
      grpc: ['maxRequests'],
      tcp: ['maxConnections'],
    };
    for (const key of Object.keys(pool) as (keyof typeof pool)[]) {
      if (pool[key] !== undefined && !allowed[l.protocol].includes(key)) {
        problems.push({
          path: [...lp, 'connectionPool', key],
          reason: `does not apply to ${l.protocol} listeners (use ${allowed[l.protocol].join(' or ')})`,
        });
      }
    }
    const hcProtocol = l.healthCheck?.protocol ?? l.protocol;
    if (l.healthCheck && (hcProtocol === 'http' || hcProtocol === 'http2') && !l.healthCheck.path) {
      problems.push({ path: [...lp, 'healthCheck', 'path'], reason: `required for ${hcProtocol} health checks` });
    }
    if (l.outlierDetection && l.protocol === 'tcp') {
      problems.push({
        path: [...lp, 'outlierDetection'],
        reason: 'counts HTTP server errors, so needs an http, http2 or grpc listener',
      });
    }
    return { ...l, timeout: timeoutModel(l.timeout) };
  });
}

function resolveVersion(
  meshName: string,
  serviceName: string,
  name: string,
  v: Version,
  problems: Problem[],
): VersionModel {
  const path = ['services', serviceName, 'versions', name];
  return {
    service: serviceName,
    name,
    listeners: resolveListeners(v.listeners, path, problems).sort((a, b) => a.port - b.port),
    discovery: v.discovery ?? {
      cloudMap: { namespace: meshName, service: serviceName, attributes: { version: name } },
    },
    backends: [],
    accessLog: v.accessLog,
    run: v.run,
    path,
  };
}

/** The ports callers use: declared, or the ones every version agrees on. */
function serviceListeners(name: string, svc: Service, versions: readonly VersionModel[], problems: Problem[]) {
  if (svc.listeners) {
    const seen = new Set<number>();
    svc.listeners.forEach((l, i) => {
      if (seen.has(l.port))
        problems.push({
          path: ['services', name, 'listeners', i, 'port'],
          reason: `port ${l.port} is already used by another listener`,
        });
      seen.add(l.port);
    });
    return [...svc.listeners].sort((a, b) => a.port - b.port);
  }
  if (versions.length === 0) {
    problems.push({
      path: ['services', name, 'listeners'],
      reason: 'required: the service has no versions of its own; say which ports callers use',
    });
    return [];
  }
  const key = (v: VersionModel) => v.listeners.map((l) => `${l.port}/${l.protocol}`).join(', ');
  const shapes = new Set(versions.map(key));
  if (shapes.size > 1) {
    problems.push({
      path: ['services', name, 'listeners'],
      reason: `required: versions listen differently (${versions.map((v) => `${v.name}: ${key(v) || 'none'}`).join('; ')}); say which ports callers use`,
    });
    return [];
  }
  return versions[0].listeners.map((l) => ({ port: l.port, protocol: l.protocol }));
}

export function resolveMesh(parsed: ParsedMesh): { model?: MeshModel; problems: Problem[] } {
  const problems: Problem[] = [];

  const externalServices: ExternalServiceModel[] = [];
  const hostOwner = new Map<string, string>();
  for (const [name, ext] of byName(parsed.externalServices)) {
    if (parsed.services[name])
      problems.push({ path: ['externalServices', name], reason: `'${name}' is already a service of the mesh` });
    ext.hosts.forEach((h, i) => {
      const owner = hostOwner.get(h);
      if (owner)
        problems.push({
          path: ['externalServices', name, 'hosts', i],
          reason: `'${h}' is already a host of external service '${owner}'`,
        });
      hostOwner.set(h, name);
    });
    externalServices.push({ name, ...ext });
  }

  const services = new Map<string, { listeners: ServiceModel['listeners']; versions: VersionModel[] }>();
  // Services whose listeners are in doubt: their routes would only repeat the problem.
  const unresolved = new Set<string>();
  for (const [name, svc] of byName(parsed.services)) {
    const versions = byName(svc.versions).map(([vn, v]) => resolveVersion(parsed.name, name, vn, v, problems));
    const before = problems.length;
    services.set(name, { listeners: serviceListeners(name, svc, versions, problems), versions });
    if (problems.length > before) unresolved.add(name);
  }

  const ctx: RouteContext = {
    problems,
    services,
    defaults: {
      retryPolicy: parsed.defaults?.retryPolicy ?? APP_MESH_DEFAULT_RETRY_POLICY,
      timeout: timeoutModel(parsed.defaults?.timeout),
    },
  };

  const mtls = resolveMtls(parsed);
  const serviceModels: ServiceModel[] = [];
  for (const [name, svc] of byName(parsed.services)) {
    const resolved = services.get(name)!;
    const routes = unresolved.has(name) ? [] : resolveServiceRoutes(name, svc, resolved, ctx);
    const versions = resolved.versions.map((v) => ({
      ...v,
      backends: resolveBackends(parsed, name, v.name, svc.versions[v.name], problems),
    }));
    const authorization = resolveAuthorization(parsed, mtls, name, svc.authorization, resolved.listeners, problems);
    serviceModels.push({
      name,
      listeners: resolved.listeners,
      versions,
      routes,
      ...(authorization ? { authorization } : {}),
    });
  }

  const gateways: GatewayModel[] = [];
  for (const [name, gw] of byName(parsed.gateways)) {
    const path = ['gateways', name];
    const listeners = resolveListeners(gw.listeners, path, problems);
    const names = new Set<string>();
    gw.routes.forEach((r, i) => {
      if (names.has(r.name))
        problems.push({ path: [...path, 'routes', i, 'name'], reason: `route '${r.name}' is already defined` });
      names.add(r.name);
    });
    const routes = byPriority(gw.routes)
      .map(({ item, index }) => {
        const r = resolveGatewayRoute(item, index, { name, listeners }, ctx);
        const jwtProviders = resolveRouteJwt({ name, spec: gw }, item, index, problems);
        return r && (jwtProviders ? { ...r, jwtProviders } : r);
      })
      .filter((r) => r !== undefined);
    const backends = [...new Set(routes.map((r) => r.target.service))].sort();
    gateways.push({ name, listeners, routes, accessLog: gw.accessLog, backends, ...(gw.jwt ? { jwt: gw.jwt } : {}) });
  }

  if (problems.length > 0) return { problems };
  return {
    model: {
      name: parsed.name,
      egress: parsed.egress,
      services: serviceModels,
      gateways,
      externalServices,
      mtls,
      ...(parsed.tracing ? { tracing: parsed.tracing } : {}),
    },
    problems,
  };
}

function resolveServiceRoutes(
  name: string,
  svc: Service,
  resolved: { listeners: ServiceModel['listeners']; versions: readonly VersionModel[] },
  ctx: RouteContext,
): RouteModel[] {
  const routes = svc.routes ?? [];
  if (routes.length === 0) {
    if (resolved.versions.length > 1) {
      ctx.problems.push({
        path: ['services', name, 'routes'],
        reason: `required: the service has ${resolved.versions.length} versions (${resolved.versions.map((v) => v.name).join(', ')}); add a route that says how traffic splits between them`,
      });
      return [];
    }
    // One version and no routes: everything goes to it, on each port (App Mesh's virtual node provider).
    const only = resolved.versions[0];
    return resolved.listeners.flatMap((l, i) => {
      const r = resolveRoute(
        { name: `default-${l.port}`, targets: [{ version: only.name, weight: 1 }], match: { port: l.port } },
        i,
        { name, listeners: resolved.listeners },
        ctx,
      );
      return r ? [r] : [];
    });
  }
  const names = new Set<string>();
  routes.forEach((r, i) => {
    if (names.has(r.name))
      ctx.problems.push({
        path: ['services', name, 'routes', i, 'name'],
        reason: `route '${r.name}' is already defined`,
      });
    names.add(r.name);
  });
  return byPriority(routes)
    .map(({ item, index }) => resolveRoute(item, index, { name, listeners: resolved.listeners }, ctx))
    .filter((r) => r !== undefined);
}

function resolveBackends(
  parsed: ParsedMesh,
  service: string,
  version: string,
  v: Version,
  problems: Problem[],
): string[] {
  const out = new Set<string>();
  (v.backends ?? []).forEach((b, i) => {
    const name = typeof b === 'string' ? b : b.service;
    const path = ['services', service, 'versions', version, 'backends', i];
    if (!parsed.services[name] && !parsed.externalServices?.[name]) {
      problems.push({ path, reason: `no service or external service named '${name}' in the mesh` });
    } else if (out.has(name)) {
      problems.push({ path, reason: `'${name}' is listed twice` });
    }
    out.add(name);
  });
  return [...out].sort();
}
