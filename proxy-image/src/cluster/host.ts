/**
 * An upstream host (Envoy's Host): an address in a cluster with its weight, priority, health
 * flags, per-host counters (what `/clusters` prints) and its connection pools. A host object
 * survives endpoint updates that keep its address, so health state and pools carry over.
 */

import { formatAddress } from '../config/address';
import type { EdsHealth, EndpointConfig } from '../config/load-assignment';
import type { ConnPool } from '../upstream/conn-pool';

export const HealthFlag = {
  FAILED_ACTIVE_HC: 1,
  FAILED_OUTLIER_CHECK: 2,
  FAILED_EDS_HEALTH: 4,
  DEGRADED_EDS_HEALTH: 8,
  PENDING_ACTIVE_HC: 16,
  PENDING_DYNAMIC_REMOVAL: 32,
} as const;

const UNHEALTHY = HealthFlag.FAILED_ACTIVE_HC | HealthFlag.FAILED_OUTLIER_CHECK | HealthFlag.FAILED_EDS_HEALTH;

export interface OutlierState {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  /** Times ejected; the ejection time is base × this (decays while healthy). */
  ejections: number;
  ejectedAt: number;
  /** Requests and failures in the current interval (failure percentage). */
  intervalRequests: number;
  intervalFailures: number;
}

export class Host {
  readonly key: string;
  flags = 0;
  weight: number;
  priority: number;
  hostname: string;
  locality: EndpointConfig['locality'];
  healthCheckPort: number;
  cxActive = 0;
  cxTotal = 0;
  cxConnectFail = 0;
  rqActive = 0;
  rqTotal = 0;
  rqSuccess = 0;
  rqError = 0;
  rqTimeout = 0;
  readonly outlier: OutlierState = {
    consecutive5xx: 0,
    consecutiveGatewayFailure: 0,
    ejections: 0,
    ejectedAt: 0,
    intervalRequests: 0,
    intervalFailures: 0,
  };
  /** Pools by protocol, created on first use. */
  readonly pools = new Map<string, ConnPool>();

  constructor(
    readonly address: string,
    readonly port: number,
    ep: Pick<EndpointConfig, 'weight' | 'priority' | 'hostname' | 'locality' | 'healthCheckPort' | 'health'>,
  ) {
    this.key = formatAddress(address, port);
    this.weight = ep.weight;
    this.priority = ep.priority;
    this.hostname = ep.hostname;
    this.locality = ep.locality;
    this.healthCheckPort = ep.healthCheckPort;
    this.setEdsHealth(ep.health);
  }

  get healthy(): boolean {
    return (this.flags & UNHEALTHY) === 0;
  }

  setEdsHealth(h: EdsHealth): void {
    const failed = h === 'UNHEALTHY' || h === 'DRAINING' || h === 'TIMEOUT';
    this.flags = failed ? this.flags | HealthFlag.FAILED_EDS_HEALTH : this.flags & ~HealthFlag.FAILED_EDS_HEALTH;
    this.flags =
      h === 'DEGRADED' ? this.flags | HealthFlag.DEGRADED_EDS_HEALTH : this.flags & ~HealthFlag.DEGRADED_EDS_HEALTH;
  }

  /** Envoy's `/clusters` health_flags text: `healthy` or `/failed_active_hc/failed_outlier_check`. */
  healthFlagsText(): string {
    let out = '';
    if (this.flags & HealthFlag.FAILED_ACTIVE_HC) out += '/failed_active_hc';
    if (this.flags & HealthFlag.FAILED_OUTLIER_CHECK) out += '/failed_outlier_check';
    if (this.flags & HealthFlag.FAILED_EDS_HEALTH) out += '/failed_eds_health';
    if (this.flags & HealthFlag.DEGRADED_EDS_HEALTH) out += '/degraded_eds_health';
    if (this.flags & HealthFlag.PENDING_DYNAMIC_REMOVAL) out += '/pending_dynamic_removal';
    if (this.flags & HealthFlag.PENDING_ACTIVE_HC) out += '/pending_active_hc';
    return out || 'healthy';
  }

  /** Closes every pool (the host left the cluster, or the cluster was removed). */
  drainPools(): void {
    for (const p of this.pools.values()) p.drain();
  }
}
