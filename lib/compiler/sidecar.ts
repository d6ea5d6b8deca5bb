/**
 * A service version's sidecar: inbound listeners in front of the application, and egress
 * to exactly the backends the version may call (App Mesh's backends): an HTTP listener
 * with a virtual host per backend service port, and a TCP listener per TCP backend.
 */
import { envoyDuration } from '../model/duration';
import type { MeshModel, RouteModel, ServiceModel, VersionModel } from '../model/model';
import type { Problem } from '../model/problem';
import type { BodyRouting } from './body-router';
import { externalDnsCluster, inboundCluster, passthroughCluster } from './cluster';
import type { CompileContext } from './context';
import { httpConnectionManager, tcpProxy } from './http-connection-manager';
import { listener, routeConfiguration } from './listener';
import * as names from './names';
import { OutboundClusters } from './outbound';
import { appPort, DEFAULT_EGRESS_PORT, ingressPort, type ProxyPlacement } from './placement';
import { httpRbacFilters, networkRbacFilters } from './rbac';
import { maxConnectAttempts } from './retry-policy';
import { envoyRoute, routeDestination } from './route';
import { DEFAULT_TLS_DIRECTORY, mtlsSecrets } from './secrets';
import { type EnvoyResource, makeSnapshot, type Snapshot } from './snapshot';
import { downstreamMtls } from './transport-socket';

type Json = Record<string, unknown>;

function inbound(
  model: MeshModel,
  svc: ServiceModel | undefined,
  v: VersionModel,
  placement: ProxyPlacement,
  out: Record<'listeners' | 'routes' | 'clusters', Json[]>,
) {
  const bind = placement.bindAddress ?? '0.0.0.0';
  const authorization = svc?.authorization;
  v.listeners.forEach((l, i) => {
    const tls = { mode: model.mtls.mode, transportSocket: downstreamMtls(model.mtls, l.protocol) };
    const cluster = names.inboundCluster(v.service, v.name, l.port);
    out.clusters.push(inboundCluster(cluster, l, placement.appAddress ?? '127.0.0.1', appPort(placement, l.port)));
    const name = names.inboundListener(l.port);
    const port = ingressPort(placement, l.port, i);
    if (l.protocol === 'tcp') {
      const proxy = tcpProxy(names.statPrefix(name), { cluster }, { idleMs: l.timeout.idleMs, accessLog: v.accessLog });
      const networkFilters = authorization ? networkRbacFilters(authorization, l.port, names.statPrefix(name)) : [];
      out.listeners.push(listener(name, bind, port, 'INBOUND', { kind: 'tcp', tcpProxy: proxy, networkFilters }, tls));
      return;
    }
    const action: Json = { cluster };
    if (l.timeout.perRequestMs !== undefined) action.timeout = envoyDuration(l.timeout.perRequestMs);
    if (l.protocol === 'grpc')
      action.max_stream_duration = { grpc_timeout_header_max: envoyDuration(l.timeout.perRequestMs ?? 0) };
    out.routes.push(
      routeConfiguration(name, [
        { name: 'inbound', domains: ['*'], routes: [{ name: 'inbound', match: { prefix: '/' }, route: action }] },
      ]),
    );
    const hcm = httpConnectionManager({
      kind: 'ingress',
      statPrefix: names.statPrefix(name),
      routeConfigName: name,
      idleMs: l.timeout.idleMs,
      accessLog: v.accessLog,
      guards: authorization ? httpRbacFilters(authorization, l.port) : [],
      tracing: tracingOf(model, `${v.service}/${v.name}`),
    });
    out.listeners.push(listener(name, bind, port, 'INBOUND', { kind: 'http', hcm }, tls));
  });
}

/** Host header values that reach a service port: `catalog:3000`, and bare `catalog` for its main HTTP port. */
export function serviceDomains(svc: ServiceModel, port: number): string[] {
  const http = svc.listeners.filter((l) => l.protocol !== 'tcp');
  const main = http.find((l) => l.port === 80) ?? http[0];
  return main?.port === port ? [svc.name, `${svc.name}:${port}`] : [`${svc.name}:${port}`];
}

/** Body fields the routes match on, and the largest body any of them inspects. */
export function bodyRouting(routes: readonly RouteModel[]): BodyRouting {
  const paths = new Set<string>();
  let maxBytes = 0;
  for (const r of routes) {
    if (!r.match?.body) continue;
    maxBytes = Math.max(maxBytes, r.match.body.maxBytes);
    for (const f of r.match.body.fields) paths.add(f.path);
  }
  return { maxBytes, paths };
}

export function compileSidecar(
  ctx: CompileContext,
  version: VersionModel,
  placement: ProxyPlacement,
  problems: Problem[],
): Snapshot {
  const { model } = ctx;
  const out: Record<'listeners' | 'routes' | 'clusters', Json[]> = { listeners: [], routes: [], clusters: [] };
  inbound(model, ctx.service(version.service), version, placement, out);

  const outbound = new OutboundClusters(ctx);
  const virtualHosts: Json[] = [];
  const egressRoutes: RouteModel[] = [];
  const tcpPorts = new Map<number, string>();
  const tcpListener = (name: string, key: string, defaultPort: number, proxy: Json) => {
    const port = placement.tcpEgressPorts?.[key] ?? defaultPort;
    const owner = tcpPorts.get(port);
    if (owner) {
      problems.push({
        path: [...version.path, 'backends'],
        reason: `TCP backends ${owner} and ${key} both need local port ${port}; give one another egress port`,
      });
      return;
    }
    tcpPorts.set(port, key);
    out.listeners.push(listener(name, '127.0.0.1', port, 'OUTBOUND', { kind: 'tcp', tcpProxy: proxy }));
  };

  for (const backend of version.backends) {
    const svc = ctx.service(backend);
    if (svc) {
      for (const l of svc.listeners) {
        const routes = svc.routes.filter((r) => r.port === l.port);
        for (const r of routes) outbound.addRoute(r);
        if (l.protocol === 'tcp') {
          const r = routes[0];
          if (!r) continue;
          const name = names.egressTcpListener(svc.name, l.port);
          const proxy = tcpProxy(names.statPrefix(name), routeDestination(r.targets) as { cluster: string }, {
            idleMs: r.timeout.idleMs,
            maxConnectAttempts: maxConnectAttempts(r.retryPolicy),
            accessLog: version.accessLog,
          });
          tcpListener(name, `${svc.name}:${l.port}`, l.port, proxy);
          continue;
        }
        egressRoutes.push(...routes);
        virtualHosts.push({
          name: `${svc.name}:${l.port}`,
          domains: serviceDomains(svc, l.port),
          routes: routes.map((r) => envoyRoute(r)),
        });
      }
      continue;
    }
    const ext = model.externalServices.find((e) => e.name === backend)!;
    for (const host of ext.hosts) {
      const cluster = externalDnsCluster(ext, host);
      out.clusters.push(cluster);
      if (ext.protocol === 'tcp' || ext.protocol === 'tls') {
        const name = names.egressTcpListener(host, ext.port);
        tcpListener(
          name,
          `${host}:${ext.port}`,
          ext.port,
          tcpProxy(names.statPrefix(name), { cluster: cluster.name as string }),
        );
      } else {
        // The application speaks plain HTTP to the proxy; for https the proxy originates TLS.
        virtualHosts.push({
          name: `${ext.name}:${host}`,
          domains: [
            host,
            `${host}:${ext.port}`,
            ...(ext.protocol === 'https' ? [`${host}:443`] : [`${host}:80`]),
          ].filter((d, i, all) => all.indexOf(d) === i),
          routes: [{ name: `${ext.name}/${host}`, match: { prefix: '/' }, route: { cluster: cluster.name } }],
        });
      }
    }
  }

  const passthrough = model.egress === 'ALLOW_ALL';
  if (passthrough) {
    out.clusters.push(passthroughCluster());
    virtualHosts.push({
      name: 'passthrough',
      domains: ['*'],
      routes: [{ name: 'passthrough', match: { prefix: '/' }, route: { cluster: names.PASSTHROUGH_CLUSTER } }],
    });
  }
  if (virtualHosts.length > 0) {
    const name = names.EGRESS_HTTP_LISTENER;
    out.routes.push(routeConfiguration(name, virtualHosts));
    const hcm = httpConnectionManager({
      kind: 'egress',
      statPrefix: names.statPrefix(name),
      routeConfigName: name,
      bodyRouting: bodyRouting(egressRoutes),
      passthrough,
      accessLog: version.accessLog,
      tracing: tracingOf(model, `${version.service}/${version.name}`),
    });
    out.listeners.push(
      listener(name, placement.bindAddress ?? '0.0.0.0', placement.egressPort ?? DEFAULT_EGRESS_PORT, 'OUTBOUND', {
        kind: 'http',
        hcm,
      }),
    );
  }

  return makeSnapshot({
    listeners: out.listeners as EnvoyResource[],
    routes: out.routes as EnvoyResource[],
    clusters: [...(out.clusters as EnvoyResource[]), ...outbound.clusterResources],
    endpoints: outbound.endpointResources,
    secrets: proxySecrets(model, placement),
  });
}

/** The proxy's certificate and trust bundle when the mesh uses mTLS; none otherwise. */
export function proxySecrets(model: MeshModel, placement: ProxyPlacement): EnvoyResource[] {
  if (model.mtls.mode === 'disabled') return [];
  return mtlsSecrets(placement.tls?.directory ?? DEFAULT_TLS_DIRECTORY, placement.tls?.certificates);
}

/** App Mesh named X-Ray segments `<mesh>/<virtual node>`; Trellis `<mesh>/<service>/<version>`. */
export function tracingOf(model: MeshModel, proxy: string) {
  return model.tracing ? { segmentName: `${model.name}/${proxy}`, tracing: model.tracing } : undefined;
}
