/**
 * Resources for proxyless gRPC clients (`@grpc/grpc-js-xds`, gRPC C++/Go/Java with xDS): no
 * sidecar, so no socket listeners. A client dialling `xds:///catalog` asks for the Listener
 * named `catalog`, which carries an `api_listener` HttpConnectionManager naming its routes
 * over ADS; routes and EDS clusters are the very ones a sidecar's egress gets. gRPC only acts
 * on what it supports (path/header matches, weighted clusters, gRPC retry codes) and ignores
 * the rest.
 */
import type { MeshModel, ServiceModel } from '../model/model';
import type { Problem } from '../model/problem';
import { CompileContext } from './context';
import type { EndpointSet } from './endpoints';
import { HTTP_CONNECTION_MANAGER, ROUTER } from './extensions';
import { routeConfiguration } from './listener';
import { OutboundClusters } from './outbound';
import { envoyRoute } from './route';
import { serviceDomains } from './sidecar';
import { type EnvoyResource, makeSnapshot, type Snapshot } from './snapshot';

type Json = Record<string, unknown>;

const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const ADS = { ads: {}, resource_api_version: 'V3' };

export interface ProxylessOptions {
  /** `<service>/<version>` the client calls as: only that version's backends. @default every service */
  readonly caller?: string;
}

function apiListener(name: string, routeConfigName: string): Json {
  return {
    '@type': LISTENER,
    name,
    api_listener: {
      api_listener: {
        '@type': HTTP_CONNECTION_MANAGER,
        stat_prefix: routeConfigName.replace(/[^A-Za-z0-9_]/g, '_'),
        rds: { config_source: ADS, route_config_name: routeConfigName },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
      },
    },
  };
}

/**
 * gRPC skips a locality without a weight and refuses one without a `locality`; Envoy needs
 * neither, so the compiler's assignments get both here.
 */
function withLocalities(cla: EnvoyResource): EnvoyResource {
  const endpoints = ((cla.endpoints ?? []) as Json[]).map((e) => ({
    ...e,
    locality: e.locality ?? {},
    load_balancing_weight: e.load_balancing_weight ?? 1,
  }));
  return { ...cla, endpoints };
}

function callableServices(model: MeshModel, caller: string | undefined, problems: Problem[]): ServiceModel[] {
  if (!caller) return [...model.services];
  const [service, version] = caller.split('/');
  const v = model.services.find((s) => s.name === service)?.versions.find((x) => x.name === version);
  if (!v) {
    problems.push({
      path: [],
      reason: `no version '${caller}' in mesh '${model.name}' for a proxyless client to call as`,
    });
    return [];
  }
  return model.services.filter((s) => v.backends.includes(s.name));
}

export function compileProxyless(
  model: MeshModel,
  endpoints: EndpointSet = {},
  options: ProxylessOptions = {},
  ctx = new CompileContext(model, endpoints),
): { snapshot?: Snapshot; problems: Problem[] } {
  const problems: Problem[] = [];
  const listeners: Json[] = [];
  const routes: Json[] = [];
  const outbound = new OutboundClusters(ctx);
  for (const svc of callableServices(model, options.caller, problems)) {
    for (const l of svc.listeners) {
      // gRPC speaks HTTP/2 only, but an http listener may still front an h2c server: offer it.
      if (l.protocol === 'tcp') continue;
      const svcRoutes = svc.routes.filter((r) => r.port === l.port);
      for (const r of svcRoutes) outbound.addRoute(r);
      const name = `${svc.name}:${l.port}`;
      const domains = serviceDomains(svc, l.port);
      routes.push(routeConfiguration(name, [{ name, domains, routes: svcRoutes.map((r) => envoyRoute(r)) }]));
      // `xds:///catalog` and `xds:///catalog:50051` both find a listener.
      for (const d of domains) listeners.push(apiListener(d, name));
    }
  }
  if (problems.length) return { problems };
  const snapshot = makeSnapshot({
    listeners: listeners as EnvoyResource[],
    routes: routes as EnvoyResource[],
    clusters: outbound.clusterResources,
    endpoints: outbound.endpointResources.map(withLocalities),
    secrets: [],
  });
  return { snapshot, problems };
}
