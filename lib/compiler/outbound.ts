/**
 * The outbound clusters one proxy needs: an EDS cluster and a load assignment per target
 * version listener of the routes it carries, shared by sidecars and gateways.
 */
import type { ConnectionPool } from '../model/listener';
import type { RouteModel } from '../model/model';
import type { CompileContext } from './context';
import type { EnvoyResource } from './snapshot';

export class OutboundClusters {
  private readonly clusters = new Map<string, EnvoyResource>();
  private readonly assignments = new Map<string, EnvoyResource>();

  constructor(private readonly ctx: CompileContext) {}

  addRoute(route: RouteModel, pool?: ConnectionPool): void {
    for (const t of route.targets) {
      const { cluster, assignment } = this.ctx.outbound(t, pool);
      if (this.clusters.has(cluster.name!)) continue;
      this.clusters.set(cluster.name!, cluster);
      this.assignments.set(cluster.name!, assignment);
    }
  }

  get clusterResources(): EnvoyResource[] {
    return [...this.clusters.values()];
  }

  get endpointResources(): EnvoyResource[] {
    return [...this.assignments.values()];
  }
}
