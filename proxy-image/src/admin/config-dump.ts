/** `/config_dump`: the bootstrap and every active resource with its version, in Envoy's admin.v3 shapes. */
import type { ClusterManager } from '../cluster/cluster-manager';
import type { Bootstrap } from '../config/bootstrap';
import type { ListenerManager } from '../listener/listener-manager';
import type { RouteConfigProviderManager } from '../router/route-config-provider';

const T = (n: string) => `type.googleapis.com/${n}`;

function typed(type: string, raw: Record<string, unknown>): Record<string, unknown> {
  return { '@type': T(type), ...raw };
}

export function configDump(
  bootstrap: Bootstrap,
  startedAt: Date,
  clusters: ClusterManager,
  listeners: ListenerManager,
  routes: RouteConfigProviderManager,
): unknown {
  const cl = clusters.clusters();
  const ls = listeners.list();
  const staticRoutes = ls.flatMap((l) =>
    l.runtime.chains.flatMap((c) =>
      c.config.filter.kind === 'hcm' && c.config.filter.hcm.routes.kind === 'static'
        ? [c.config.filter.hcm.routes.table]
        : [],
    ),
  );
  return {
    configs: [
      {
        '@type': T('envoy.admin.v3.BootstrapConfigDump'),
        bootstrap: bootstrap.raw,
        last_updated: startedAt.toISOString(),
      },
      {
        '@type': T('envoy.admin.v3.ClustersConfigDump'),
        version_info: clusters.cdsApi?.versionInfo ?? '',
        static_clusters: cl
          .filter((c) => !c.addedViaApi)
          .map((c) => ({
            cluster: typed('envoy.config.cluster.v3.Cluster', c.config.raw),
            last_updated: c.lastUpdated.toISOString(),
          })),
        dynamic_active_clusters: cl
          .filter((c) => c.addedViaApi)
          .map((c) => ({
            version_info: c.versionInfo,
            cluster: typed('envoy.config.cluster.v3.Cluster', c.config.raw),
            last_updated: c.lastUpdated.toISOString(),
          })),
      },
      {
        '@type': T('envoy.admin.v3.ListenersConfigDump'),
        version_info: listeners.ldsApi?.versionInfo ?? '',
        static_listeners: ls
          .filter((l) => !l.addedViaApi)
          .map((l) => ({
            listener: typed('envoy.config.listener.v3.Listener', l.config.raw),
            last_updated: l.lastUpdated.toISOString(),
          })),
        dynamic_listeners: [
          ...ls
            .filter((l) => l.addedViaApi)
            .map((l) => ({
              name: l.config.name,
              active_state: {
                version_info: l.versionInfo,
                listener: typed('envoy.config.listener.v3.Listener', l.config.raw),
                last_updated: l.lastUpdated.toISOString(),
              },
            })),
          ...listeners.warmingConfigs().map((w) => ({
            name: w.config.name,
            warming_state: {
              version_info: w.version,
              listener: typed('envoy.config.listener.v3.Listener', w.config.raw),
            },
          })),
        ],
      },
      {
        '@type': T('envoy.admin.v3.RoutesConfigDump'),
        static_route_configs: staticRoutes.map((t) => ({
          route_config: typed('envoy.config.route.v3.RouteConfiguration', t.raw),
          last_updated: startedAt.toISOString(),
        })),
        dynamic_route_configs: routes
          .providers()
          .filter((p) => p.table)
          .map((p) => ({
            version_info: p.versionInfo,
            route_config: typed('envoy.config.route.v3.RouteConfiguration', p.table!.raw),
            last_updated: p.lastUpdated?.toISOString(),
          })),
      },
    ],
  };
}
