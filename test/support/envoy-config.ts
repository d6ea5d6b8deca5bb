/**
 * Envoy bootstraps for tests: the hand-written fixtures in test/fixtures/envoy/ are stock
 * Envoy configs with Envoy's usual ports (10000 for listeners, 9901 for admin) and placeholder
 * endpoint ports; these helpers point them at port 0 and at the test's real upstreams.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './proxy-bundle';

// Config documents are free-form JSON trees here.
export type Doc = any;

export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'envoy');

export function loadFixture(name: string): Doc {
  return parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** Admin and every static listener on port 0 (tests read real ports from the admin API). */
export function onEphemeralPorts(doc: Doc): Doc {
  if (doc.admin?.address?.socket_address) doc.admin.address.socket_address.port_value = 0;
  for (const l of doc.static_resources?.listeners ?? []) l.address.socket_address.port_value = 0;
  return doc;
}

/** A ClusterLoadAssignment's `endpoints` for ports on 127.0.0.1. */
export function lbEndpoints(ports: readonly number[], extra: Record<string, unknown> = {}): Doc[] {
  return [
    {
      lb_endpoints: ports.map((p) => ({
        endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } },
        ...extra,
      })),
    },
  ];
}

export function findCluster(doc: Doc, name: string): Doc {
  const c = (doc.static_resources?.clusters ?? []).find((x: Doc) => x.name === name);
  if (!c) throw new Error(`fixture has no static cluster ${name}`);
  return c;
}

/** Points a static cluster at upstream ports on 127.0.0.1. */
export function setEndpoints(doc: Doc, cluster: string, ports: readonly number[]): Doc {
  const c = findCluster(doc, cluster);
  c.load_assignment = { cluster_name: cluster, endpoints: lbEndpoints(ports) };
  return doc;
}

/** The first listener's HCM config. */
export function hcmOf(doc: Doc, listener = 0): Doc {
  return doc.static_resources.listeners[listener].filter_chains[0].filters[0].typed_config;
}

/** A minimal stock bootstrap: one HTTP listener routing everything by `routes` to static clusters. */
export function httpBootstrap(opts: {
  clusters: Record<string, readonly number[]>;
  routes?: Doc[];
  virtualHosts?: Doc[];
  httpFilters?: Doc[];
  hcm?: Record<string, unknown>;
  clusterOptions?: Record<string, Doc>;
}): Doc {
  const names = Object.keys(opts.clusters);
  const routes = opts.routes ?? [{ match: { prefix: '/' }, route: { cluster: names[0] } }];
  return {
    node: { id: 'test-node', cluster: 'test-cluster' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'ingress',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'ingress',
                    route_config: {
                      name: 'local',
                      virtual_hosts: opts.virtualHosts ?? [{ name: 'all', domains: ['*'], routes }],
                    },
                    http_filters: [
                      ...(opts.httpFilters ?? []),
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                      },
                    ],
                    ...opts.hcm,
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: names.map((name) => ({
        name,
        connect_timeout: '1s',
        type: 'STATIC',
        load_assignment: { cluster_name: name, endpoints: lbEndpoints(opts.clusters[name]) },
        ...opts.clusterOptions?.[name],
      })),
    },
  };
}
