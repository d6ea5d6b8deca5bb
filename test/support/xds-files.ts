/**
 * xDS resources for file and REST sources in tests: a DiscoveryResponse document, written
 * atomically (temp file + rename, as Envoy expects writers to do).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Doc } from './envoy-config';
import { lbEndpoints } from './envoy-config';

export const T = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  endpoints: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

let seq = 0;

export function discoveryResponse(version: string, resources: Doc[]): Doc {
  return { version_info: version, resources };
}

export function writeAtomic(path: string, doc: Doc): void {
  const tmp = `${path}.${process.pid}.${++seq}.tmp`;
  writeFileSync(tmp, stringify(doc));
  renameSync(tmp, path);
}

/** An HTTP listener on 127.0.0.1:0 whose inline route sends `/` to weighted clusters. */
export function httpListener(name: string, weights: Record<string, number>, extraHcm: Doc = {}): Doc {
  return {
    '@type': T.listener,
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type':
                'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: name,
              route_config: {
                name: `${name}_routes`,
                virtual_hosts: [
                  {
                    name: 'all',
                    domains: ['*'],
                    routes: [
                      {
                        match: { prefix: '/' },
                        route: {
                          weighted_clusters: {
                            clusters: Object.entries(weights).map(([n, weight]) => ({ name: n, weight })),
                          },
                        },
                      },
                    ],
                  },
                ],
              },
              http_filters: [
                {
                  name: 'envoy.filters.http.router',
                  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                },
              ],
              ...extraHcm,
            },
          },
        ],
      },
    ],
  };
}

export function staticCluster(name: string, ports: readonly number[], extra: Doc = {}): Doc {
  return {
    '@type': T.cluster,
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: { cluster_name: name, endpoints: lbEndpoints(ports) },
    ...extra,
  };
}
