/**
 * Passive health checking (Envoy's outlier detection): hosts that fail `consecutive_5xx`
 * times in a row (or `consecutive_gateway_failure` 502/503/504 and connection failures), or
 * whose failure percentage stands out, are ejected from load balancing for
 * `base_ejection_time × times ejected` (capped at `max_ejection_time`). At most
 * `max_ejection_percent` of the hosts are ejected, but always at least one may be.
 */
import type { OutlierDetectionConfig } from '../config/outlier-detection';
import type { ClusterStats } from './cluster-stats';
import { HealthFlag, type Host } from './host';

/** What an upstream attempt came to, for the detector. */
export type OutlierResult = 'success' | 'error_5xx' | 'gateway_failure' | 'local_failure';

export interface OutlierHostSet {
  readonly hosts: readonly Host[];
  hostHealthChanged(): void;
}

export class OutlierDetector {
  private timer: NodeJS.Timeout | undefined;
  private ejected = 0;

  constructor(
    private readonly config: OutlierDetectionConfig,
    private readonly cluster: OutlierHostSet,
    private readonly stats: ClusterStats,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.onInterval(), this.config.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records an attempt's outcome (a 5xx status, a 502/503/504 or a connection failure). */
  report(host: Host, status: number, localFailure = false): void {
    const o = host.outlier;
    o.intervalRequests++;
    const is5xx = localFailure || status >= 500;
    const isGateway = localFailure || status === 502 || status === 503 || status === 504;
    if (!is5xx) {
      o.consecutive5xx = 0;
      o.consecutiveGatewayFailure = 0;
      return;
    }
    o.intervalFailures++;
    o.consecutive5xx++;
    o.consecutiveGatewayFailure = isGateway ? o.consecutiveGatewayFailure + 1 : 0;
    if (host.flags & HealthFlag.FAILED_OUTLIER_CHECK) return;
    if (isGateway && o.consecutiveGatewayFailure >= this.config.consecutiveGatewayFailure) {
      this.stats.od_ejections_detected_consecutive_gateway_failure.inc();
      if (this.enforce(this.config.enforcingConsecutiveGatewayFailure)) {
        if (this.eject(host)) this.stats.od_ejections_enforced_consecutive_gateway_failure.inc();
        return;
      }
    }
    if (o.consecutive5xx >= this.config.consecutive5xx) {
      this.stats.od_ejections_detected_consecutive_5xx.inc();
      if (this.enforce(this.config.enforcingConsecutive5xx) && this.eject(host)) {
        this.stats.od_ejections_enforced_consecutive_5xx.inc();
      }
    }
  }

  private enforce(percent: number): boolean {
    return percent > 0 && Math.random() * 100 < percent;
  }

  private eject(host: Host): boolean {
    const total = this.cluster.hosts.length;
    if (this.ejected > 0 && (100 * this.ejected) / total >= this.config.maxEjectionPercent) {
      this.stats.od_ejections_overflow.inc();
      return false;
    }
    const o = host.outlier;
    o.ejections++;
    o.ejectedAt = Date.now();
    o.consecutive5xx = 0;
    o.consecutiveGatewayFailure = 0;
    host.flags |= HealthFlag.FAILED_OUTLIER_CHECK;
    this.ejected++;
    this.stats.od_ejections_active.set(this.ejected);
    this.stats.od_ejections_total.inc();
    this.stats.od_ejections_enforced_total.inc();
    this.cluster.hostHealthChanged();
    return true;
  }

  /** Brings an ejected host back (its time is up, or an active health check passed). */
  uneject(host: Host): void {
    if (!(host.flags & HealthFlag.FAILED_OUTLIER_CHECK)) return;
    host.flags &= ~HealthFlag.FAILED_OUTLIER_CHECK;
    host.outlier.consecutive5xx = 0;
    host.outlier.consecutiveGatewayFailure = 0;
    this.ejected--;
    this.stats.od_ejections_active.set(this.ejected);
    this.cluster.hostHealthChanged();
  }

  /** A host left the cluster. */
  removed(host: Host): void {
    if (host.flags & HealthFlag.FAILED_OUTLIER_CHECK) {
      this.ejected--;
      this.stats.od_ejections_active.set(this.ejected);
    }
  }

  private onInterval(): void {
    const now = Date.now();
    const c = this.config;
    for (const h of this.cluster.hosts) {
      const o = h.outlier;
      if (h.flags & HealthFlag.FAILED_OUTLIER_CHECK) {
        const ejectFor = Math.min(
          c.baseEjectionTimeMs * o.ejections,
          Math.max(c.maxEjectionTimeMs, c.baseEjectionTimeMs),
        );
        if (now - o.ejectedAt >= ejectFor) this.uneject(h);
      } else if (o.ejections > 0 && now - o.ejectedAt >= c.baseEjectionTimeMs * o.ejections + c.intervalMs) {
        // Healthy for a while: the next ejection will be shorter again.
        o.ejections--;
      }
    }
    this.failurePercentage();
    for (const h of this.cluster.hosts) {
      h.outlier.intervalRequests = 0;
      h.outlier.intervalFailures = 0;
    }
  }

  private failurePercentage(): void {
    const c = this.config;
    const eligible = this.cluster.hosts.filter((h) => h.outlier.intervalRequests >= c.failurePercentageRequestVolume);
    if (eligible.length < c.failurePercentageMinimumHosts) return;
    for (const h of eligible) {
      if (h.flags & HealthFlag.FAILED_OUTLIER_CHECK) continue;
      const pct = (100 * h.outlier.intervalFailures) / h.outlier.intervalRequests;
      if (pct < c.failurePercentageThreshold) continue;
      this.stats.od_ejections_detected_failure_percentage.inc();
      if (this.enforce(c.enforcingFailurePercentage) && this.eject(h)) {
        this.stats.od_ejections_enforced_failure_percentage.inc();
      }
    }
  }
}
