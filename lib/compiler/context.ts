/**
 * What one compile run shares between proxies: indexes over the model (no linear scans
 * per route target), and the outbound clusters and load assignments built so far — the
 * cluster for `catalog/v1` is the same object in every caller's snapshot, built once.
 */

import { versionIdentity } from '../model/identity';
import type { ConnectionPool } from '../model/listener';
import type { MeshModel, ServiceModel, TargetModel, VersionModel } from '../model/model';
import { outboundEdsCluster } from './cluster';
import { type EndpointSet, endpointPort, loadAssignment } from './endpoints';
import { clusterOf } from './route';
import type { EnvoyResource } from './snapshot';
import { upstreamMtls } from './transport-socket';

export class CompileContext {
  private readonly services = new Map<string, ServiceModel>();
  private readonly versions = new Map<string, VersionModel>();
  private readonly clusters = new Map<string, EnvoyResource>();
  private readonly assignments = new Map<string, EnvoyResource>();

  constructor(
    readonly model: MeshModel,
    readonly endpoints: EndpointSet,
  ) {
    for (const s of model.services) {
      this.services.set(s.name, s);
      for (const v of s.versions) this.versions.set(`${s.name}/${v.name}`, v);
    }
  }

  service(name: string): ServiceModel | undefined {
    return this.services.get(name);
  }

  version(service: string, version: string): VersionModel | undefined {
    return this.versions.get(`${service}/${version}`);
  }

  /** The EDS cluster for a target, and its load assignment. */
  outbound(t: TargetModel, pool?: ConnectionPool): { cluster: EnvoyResource; assignment: EnvoyResource } {
    const name = clusterOf(t);
    // Gateways may put their own connection limits on a cluster; key by them too.
    const key = pool ? `${name}\u0000${JSON.stringify(pool)}` : name;
    let cluster = this.clusters.get(key);
    const version = this.version(t.service, t.version)!;
    if (!cluster) {
      const listener = version.listeners.find((l) => l.port === t.port)!;
      cluster = outboundEdsCluster(name, listener.protocol, listener.outlierDetection, pool) as EnvoyResource;
      if (this.model.mtls.mode !== 'disabled') {
        // The caller accepts exactly the identity of the version this cluster targets.
        const peer = versionIdentity(this.model.mtls.trustDomain, t.service, t.version);
        cluster = { ...cluster, transport_socket: upstreamMtls(this.model.mtls, peer, listener.protocol) };
      }
      this.clusters.set(key, cluster);
    }
    let assignment = this.assignments.get(name);
    if (!assignment) {
      const eps = this.endpoints[`${t.service}/${t.version}`] ?? [];
      assignment = loadAssignment(name, eps, (e) => endpointPort(e, version, t.port)) as EnvoyResource;
      this.assignments.set(name, assignment);
    }
    return { cluster, assignment };
  }
}
