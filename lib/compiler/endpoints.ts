/**
 * Endpoints (from Cloud Map, the embedded registry, or a file) → Envoy
 * `ClusterLoadAssignment`s. Instances keep Cloud Map's health statuses; Envoy skips
 * unhealthy and draining ones but they stay visible in config dumps.
 */
import type { VersionModel } from '../model/model';

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' | 'DRAINING';

export interface Endpoint {
  readonly address: string;
  /** The port for a version with one listener. */
  readonly port?: number;
  /** Listener port → port, for versions with several listeners (the same port when absent). */
  readonly ports?: Readonly<Record<string, number>>;
  readonly health?: HealthStatus;
  readonly zone?: string;
  readonly weight?: number;
  /** Cloud Map's instance id, for people reading config dumps. */
  readonly instanceId?: string;
}

/** Endpoints of each service version, keyed `<service>/<version>`. */
export type EndpointSet = Readonly<Record<string, readonly Endpoint[]>>;

/** Where an instance of `version` accepts traffic for its listener `listenerPort`. */
export function endpointPort(e: Endpoint, version: Pick<VersionModel, 'listeners'>, listenerPort: number): number {
  return e.ports?.[listenerPort] ?? (version.listeners.length <= 1 ? e.port : undefined) ?? listenerPort;
}

export function loadAssignment(
  clusterName: string,
  endpoints: readonly Endpoint[],
  portOf: (e: Endpoint) => number,
): Record<string, unknown> {
  const byZone = new Map<string, Record<string, unknown>[]>();
  const sorted = [...endpoints].sort((a, b) =>
    a.address === b.address ? portOf(a) - portOf(b) : a.address < b.address ? -1 : 1,
  );
  for (const e of sorted) {
    const lb: Record<string, unknown> = {
      endpoint: { address: { socket_address: { address: e.address, port_value: portOf(e) } } },
      health_status: e.health ?? 'HEALTHY',
    };
    if (e.weight !== undefined) lb.load_balancing_weight = e.weight;
    if (e.instanceId) lb.metadata = { filter_metadata: { 'trellis.instance': { id: e.instanceId } } };
    const zone = e.zone ?? '';
    byZone.set(zone, [...(byZone.get(zone) ?? []), lb]);
  }
  return {
    '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    cluster_name: clusterName,
    endpoints: [...byZone.keys()].sort().map((zone) => ({
      ...(zone ? { locality: { zone } } : {}),
      lb_endpoints: byZone.get(zone)!,
    })),
  };
}
