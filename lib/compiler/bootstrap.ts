/**
 * Envoy v3 bootstraps for a proxy: static (the snapshot inlined: RDS → `route_config`,
 * EDS → STATIC clusters with their load assignments), or dynamic (ADS from a control
 * plane). Either starts a stock Envoy or `trellis proxy`.
 */
import { HTTP_PROTOCOL_OPTIONS } from './extensions';
import { parseSidecarName } from './names';
import type { EnvoyResource, Snapshot } from './snapshot';

type Json = Record<string, unknown>;

export interface BootstrapOptions {
  readonly proxy: string;
  /** @default 127.0.0.1:9901 */
  readonly adminAddress?: string;
  readonly adminPort?: number;
}

function node(proxy: string): Json {
  const sidecar = parseSidecarName(proxy);
  return {
    id: proxy,
    cluster: sidecar ? sidecar.service : proxy,
    metadata: sidecar
      ? { 'trellis.service': sidecar.service, 'trellis.version': sidecar.version }
      : { 'trellis.gateway': proxy },
  };
}

function admin(o: BootstrapOptions): Json {
  return { address: { socket_address: { address: o.adminAddress ?? '127.0.0.1', port_value: o.adminPort ?? 9901 } } };
}

/** Bootstrap fields are typed messages, not `Any`s: the top-level `@type` must go. */
function untyped(r: EnvoyResource): Json {
  const { '@type': _, ...rest } = r;
  return rest;
}

function inlineRoutes(value: unknown, routes: ReadonlyMap<string, EnvoyResource>): unknown {
  if (Array.isArray(value)) return value.map((v) => inlineRoutes(v, routes));
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    if (k === 'rds') {
      const name = (v as { route_config_name: string }).route_config_name;
      out.route_config = untyped(routes.get(name)!);
    } else if (k === 'sds_config') {
      // An SDS reference with no config source names a secret of static_resources.
    } else {
      out[k] = inlineRoutes(v, routes);
    }
  }
  return out;
}

export function staticBootstrap(snapshot: Snapshot, o: BootstrapOptions): Json {
  const routes = new Map(snapshot.resources.routes.map((r) => [r.name as string, r]));
  const assignments = new Map(snapshot.resources.endpoints.map((e) => [e.cluster_name as string, e]));
  const clusters = snapshot.resources.clusters.map((c) => {
    const { eds_cluster_config, type, ...rest } = untyped(c) as Json & {
      eds_cluster_config?: { service_name?: string };
    };
    if (type !== 'EDS')
      return inlineRoutes(
        { ...rest, ...(type ? { type } : {}), ...(eds_cluster_config ? { eds_cluster_config } : {}) },
        routes,
      );
    const cla = assignments.get(eds_cluster_config?.service_name ?? (c.name as string))!;
    return inlineRoutes({ ...rest, type: 'STATIC', load_assignment: untyped(cla) }, routes);
  });
  return {
    node: node(o.proxy),
    admin: admin(o),
    static_resources: {
      listeners: snapshot.resources.listeners.map((l) => inlineRoutes(untyped(l), routes)),
      clusters,
      ...(snapshot.resources.secrets.length ? { secrets: snapshot.resources.secrets.map(untyped) } : {}),
    },
  };
}

export interface AdsBootstrapOptions extends BootstrapOptions {
  readonly xdsAddress: string;
  readonly xdsPort: number;
}

export function adsBootstrap(o: AdsBootstrapOptions): Json {
  const ads = { ads: {}, resource_api_version: 'V3' };
  return {
    node: node(o.proxy),
    admin: admin(o),
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }],
        set_node_on_first_message_only: true,
      },
      cds_config: ads,
      lds_config: ads,
    },
    static_resources: {
      clusters: [
        {
          name: 'xds_cluster',
          type: 'STRICT_DNS',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'xds_cluster',
            endpoints: [
              {
                lb_endpoints: [
                  { endpoint: { address: { socket_address: { address: o.xdsAddress, port_value: o.xdsPort } } } },
                ],
              },
            ],
          },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': HTTP_PROTOCOL_OPTIONS,
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        },
      ],
    },
  };
}
