/**
 * A gateway's snapshot: a listener per gateway listener, its gateway routes composed with
 * the target services' routes, grouped into virtual hosts by hostname. App Mesh evaluates
 * gateway routes in priority order whatever their hostname match, so every virtual host
 * also carries the routes whose hostname match it implies (and those with none).
 */
import type { HostnameMatch, PathMatch } from '../model/match';
import type { GatewayModel, GatewayRouteModel, RouteModel } from '../model/model';
import type { Problem } from '../model/problem';
import type { CompileContext } from './context';
import { composeMatch, composePaths } from './gateway-route';
import { httpConnectionManager } from './http-connection-manager';
import { jwksClusters, jwtAuthnFilter, jwtPerRoute } from './jwt-authn';
import { listener, routeConfiguration } from './listener';
import * as names from './names';
import { OutboundClusters } from './outbound';
import type { ProxyPlacement } from './placement';
import { envoyRoute } from './route';
import { bodyRouting, proxySecrets, tracingOf } from './sidecar';
import { type EnvoyResource, makeSnapshot, type Snapshot } from './snapshot';

type Json = Record<string, unknown>;

/** Whether every host matching `vhost` also matches `route`'s hostname condition. */
function implies(vhost: HostnameMatch | undefined, route: HostnameMatch | undefined): boolean {
  if (!route) return true;
  if (!vhost) return false;
  if (route.exact !== undefined) return vhost.exact === route.exact;
  const suffix = route.suffix!;
  if (vhost.exact !== undefined) return vhost.exact.endsWith(suffix) && vhost.exact.length > suffix.length;
  return vhost.suffix!.endsWith(suffix);
}

function domains(h: HostnameMatch | undefined): string[] {
  if (!h) return ['*'];
  // Envoy's suffix wildcard needs at least one character before the suffix, as App Mesh's did.
  return h.exact !== undefined ? [h.exact] : [`*${h.suffix}`];
}

function hostKey(h: HostnameMatch | undefined): string {
  return h ? (h.exact !== undefined ? `exact:${h.exact}` : `suffix:${h.suffix}`) : '*';
}

function samePath(a: PathMatch, b: PathMatch): boolean {
  return a.exact === b.exact && a.prefix === b.prefix && a.regex === b.regex;
}

/** A service route whose only condition is its path. */
function unconditional(s: RouteModel): boolean {
  const m = s.match!;
  return !m.headers.length && !m.queryParameters.length && !m.method && !m.scheme && !m.body;
}

function envoyRoutesFor(g: GatewayRouteModel, ctx: CompileContext, problems: Problem[]) {
  const svc = ctx.service(g.target.service)!;
  const routes: Json[] = [];
  const used: RouteModel[] = [];
  for (const s of svc.routes.filter((r) => r.port === g.target.port)) {
    const match = composeMatch(g, s);
    if (!match) continue;
    const composition = composePaths(g, s);
    if ('problem' in composition) {
      problems.push(composition.problem);
      continue;
    }
    composition.alternatives.forEach((alt, i) => {
      routes.push(
        envoyRoute(
          { ...s, match, rewrite: s.rewrite?.hostname ? { hostname: s.rewrite.hostname } : undefined },
          {
            name: `${g.gateway}/${g.name}/${s.service}/${s.name}${composition.alternatives.length > 1 ? `#${i}` : ''}`,
            path: alt.path,
            extraHeaders: alt.extraHeaders,
            ...alt.rewrite,
            hostRewrite: g.hostnameRewrite === 'target' ? g.target.service : undefined,
          },
        ),
      );
    });
    used.push(s);
    // A service route that matches every request of this gateway route shadows the rest.
    const total = composition.alternatives.some(
      (a) => a.extraHeaders.length === 0 && samePath(a.path, g.match.path) && unconditional(s),
    );
    if (total) break;
  }
  return { routes, used };
}

export function compileGateway(
  ctx: CompileContext,
  gateway: GatewayModel,
  placement: ProxyPlacement,
  problems: Problem[],
): Snapshot {
  const listeners: Json[] = [];
  const routeConfigs: Json[] = [];
  const outbound = new OutboundClusters(ctx);
  const requirements = new Map<string, readonly string[]>();
  for (const r of gateway.routes)
    if (r.jwtProviders?.length) requirements.set(r.jwtProviders.join(','), r.jwtProviders);

  for (const l of gateway.listeners) {
    const name = names.gatewayListener(l.port);
    const routes = gateway.routes.filter((r) => r.port === l.port);
    const perRoute = new Map<GatewayRouteModel, Json[]>();
    const bodyRoutes: RouteModel[] = [];
    for (const g of routes) {
      const { routes: envoyRoutes, used } = envoyRoutesFor(g, ctx, problems);
      if (g.jwtProviders) for (const r of envoyRoutes) r.typed_per_filter_config = jwtPerRoute(g.jwtProviders);
      perRoute.set(g, envoyRoutes);
      bodyRoutes.push(...used);
      for (const s of used) outbound.addRoute(s, l.connectionPool);
    }
    const hosts = new Map<string, HostnameMatch | undefined>([['*', undefined]]);
    for (const g of routes) hosts.set(hostKey(g.hostname), g.hostname);
    const virtualHosts = [...hosts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, h]) => {
        const vhostRoutes: Json[] = [];
        if (l.healthCheck?.path) {
          // The gateway answers its own health check (load balancer target groups probe it).
          vhostRoutes.push({
            name: 'health',
            match: { path: l.healthCheck.path },
            direct_response: { status: 200, body: { inline_string: 'ok\n' } },
            ...(gateway.jwt ? { typed_per_filter_config: jwtPerRoute([]) } : {}),
          });
        }
        for (const g of routes) if (implies(h, g.hostname)) vhostRoutes.push(...perRoute.get(g)!);
        return { name: key, domains: domains(h), routes: vhostRoutes };
      })
      .filter((vh) => vh.routes.length > 0);
    routeConfigs.push(routeConfiguration(name, virtualHosts));
    const hcm = httpConnectionManager({
      kind: 'gateway',
      statPrefix: names.statPrefix(name),
      routeConfigName: name,
      idleMs: l.timeout.idleMs,
      bodyRouting: bodyRouting(bodyRoutes),
      accessLog: gateway.accessLog,
      guards: gateway.jwt ? [jwtAuthnFilter(gateway.jwt, [...requirements.values()])] : [],
      tracing: tracingOf(ctx.model, gateway.name),
    });
    const port = placement.gatewayPorts?.[l.port] ?? l.port;
    listeners.push(listener(name, placement.bindAddress ?? '0.0.0.0', port, 'INBOUND', { kind: 'http', hcm }));
  }

  return makeSnapshot({
    listeners: listeners as EnvoyResource[],
    routes: routeConfigs as EnvoyResource[],
    clusters: [...outbound.clusterResources, ...((gateway.jwt ? jwksClusters(gateway.jwt) : []) as EnvoyResource[])],
    endpoints: outbound.endpointResources,
    secrets: proxySecrets(ctx.model, placement),
  });
}
