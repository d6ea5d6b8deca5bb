/**
 * What a proxy needs to send traffic to a service's versions: an EDS cluster and a load
 * assignment per target version listener, shared by sidecars and gateways.
 */
import type { ConnectionPool } from '../model/listener';
import type { MeshModel, RouteModel, TargetModel, VersionModel } from '../model/model';
import { outboundEdsCluster } from './cluster';
import { type EndpointSet, endpointPort, loadAssignment } from './endpoints';
import { clusterOf } from './route';
import type { EnvoyResource } from './snapshot';

export class OutboundClusters {
  private readonly clusters = new Map<string, EnvoyResource>();
  private readonly assignments = new Map<string, EnvoyResource>();

  constructor(
    private readonly model: MeshModel,
    private readonly endpoints: EndpointSet,
  ) {}

  addRoute(route: RouteModel, pool?: ConnectionPool): void {
    for (const t of route.targets) this.addTarget(t, pool);
  }

  addTarget(t: TargetModel, pool?: ConnectionPool): void {
    const name = clusterOf(t);
    if (this.clusters.has(name)) return;
    const version = this.version(t);
    const listener = version.listeners.find((l) => l.port === t.port)!;
    this.clusters.set(
      name,
      outboundEdsCluster(name, listener.protocol, listener.outlierDetection, pool) as EnvoyResource,
    );
    const eps = this.endpoints[`${t.service}/${t.version}`] ?? [];
    this.assignments.set(name, loadAssignment(name, eps, (e) => endpointPort(e, version, t.port)) as EnvoyResource);
  }

  private version(t: TargetModel): VersionModel {
    const svc = this.model.services.find((s) => s.name === t.service)!;
    return svc.versions.find((v) => v.name === t.version)!;
  }

  get clusterResources(): EnvoyResource[] {
    return [...this.clusters.values()];
  }

  get endpointResources(): EnvoyResource[] {
    return [...this.assignments.values()];
  }
}
