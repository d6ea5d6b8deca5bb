/**
 * A cluster's stats under `cluster.<name>.`, Envoy's names, resolved once when the cluster is
 * built. Per-status-code counters are created on first use and cached in an array, so the
 * request path never builds a stat name.
 */
import type { Histogram } from '../stats/histogram';
import type { Counter, Gauge } from '../stats/metric';
import type { StatsStore } from '../stats/store';

export class ClusterStats {
  readonly prefix: string;
  readonly upstream_cx_total: Counter;
  readonly upstream_cx_active: Gauge;
  readonly upstream_cx_http1_total: Counter;
  readonly upstream_cx_http2_total: Counter;
  readonly upstream_cx_connect_fail: Counter;
  readonly upstream_cx_connect_timeout: Counter;
  readonly upstream_cx_overflow: Counter;
  readonly upstream_cx_destroy: Counter;
  readonly upstream_cx_none_healthy: Counter;
  readonly upstream_rq_total: Counter;
  readonly upstream_rq_active: Gauge;
  readonly upstream_rq_completed: Counter;
  readonly upstream_rq_pending_total: Counter;
  readonly upstream_rq_pending_active: Gauge;
  readonly upstream_rq_pending_overflow: Counter;
  readonly upstream_rq_cancelled: Counter;
  readonly upstream_rq_timeout: Counter;
  readonly upstream_rq_per_try_timeout: Counter;
  readonly upstream_rq_rx_reset: Counter;
  readonly upstream_rq_tx_reset: Counter;
  readonly upstream_rq_retry: Counter;
  readonly upstream_rq_retry_success: Counter;
  readonly upstream_rq_retry_overflow: Counter;
  readonly upstream_rq_retry_limit_exceeded: Counter;
  readonly upstream_rq_retry_backoff_exponential: Counter;
  readonly upstream_rq_time: Histogram;
  readonly membership_healthy: Gauge;
  readonly membership_degraded: Gauge;
  readonly membership_excluded: Gauge;
  readonly membership_total: Gauge;
  readonly membership_change: Counter;
  readonly update_attempt: Counter;
  readonly update_success: Counter;
  readonly update_rejected: Counter;
  readonly update_empty: Counter;
  readonly lb_healthy_panic: Counter;
  readonly hc_attempt: Counter;
  readonly hc_success: Counter;
  readonly hc_failure: Counter;
  readonly hc_network_failure: Counter;
  readonly hc_healthy: Gauge;
  readonly od_ejections_active: Gauge;
  readonly od_ejections_enforced_total: Counter;
  readonly od_ejections_total: Counter;
  readonly od_ejections_overflow: Counter;
  readonly od_ejections_enforced_consecutive_5xx: Counter;
  readonly od_ejections_detected_consecutive_5xx: Counter;
  readonly od_ejections_enforced_consecutive_gateway_failure: Counter;
  readonly od_ejections_detected_consecutive_gateway_failure: Counter;
  readonly od_ejections_enforced_failure_percentage: Counter;
  readonly od_ejections_detected_failure_percentage: Counter;
  private readonly codes: Array<Counter | undefined> = [];
  private readonly classes: Counter[];

  constructor(
    private readonly store: StatsStore,
    name: string,
  ) {
    const p = (this.prefix = `cluster.${name}.`);
    const c = (n: string) => store.counter(p + n);
    const g = (n: string) => store.gauge(p + n);
    this.upstream_cx_total = c('upstream_cx_total');
    this.upstream_cx_active = g('upstream_cx_active');
    this.upstream_cx_http1_total = c('upstream_cx_http1_total');
    this.upstream_cx_http2_total = c('upstream_cx_http2_total');
    this.upstream_cx_connect_fail = c('upstream_cx_connect_fail');
    this.upstream_cx_connect_timeout = c('upstream_cx_connect_timeout');
    this.upstream_cx_overflow = c('upstream_cx_overflow');
    this.upstream_cx_destroy = c('upstream_cx_destroy');
    this.upstream_cx_none_healthy = c('upstream_cx_none_healthy');
    this.upstream_rq_total = c('upstream_rq_total');
    this.upstream_rq_active = g('upstream_rq_active');
    this.upstream_rq_completed = c('upstream_rq_completed');
    this.upstream_rq_pending_total = c('upstream_rq_pending_total');
    this.upstream_rq_pending_active = g('upstream_rq_pending_active');
    this.upstream_rq_pending_overflow = c('upstream_rq_pending_overflow');
    this.upstream_rq_cancelled = c('upstream_rq_cancelled');
    this.upstream_rq_timeout = c('upstream_rq_timeout');
    this.upstream_rq_per_try_timeout = c('upstream_rq_per_try_timeout');
    this.upstream_rq_rx_reset = c('upstream_rq_rx_reset');
    this.upstream_rq_tx_reset = c('upstream_rq_tx_reset');
    this.upstream_rq_retry = c('upstream_rq_retry');
    this.upstream_rq_retry_success = c('upstream_rq_retry_success');
    this.upstream_rq_retry_overflow = c('upstream_rq_retry_overflow');
    this.upstream_rq_retry_limit_exceeded = c('upstream_rq_retry_limit_exceeded');
    this.upstream_rq_retry_backoff_exponential = c('upstream_rq_retry_backoff_exponential');
    this.upstream_rq_time = store.histogram(`${p}upstream_rq_time`);
    this.membership_healthy = g('membership_healthy');
    this.membership_degraded = g('membership_degraded');
    this.membership_excluded = g('membership_excluded');
    this.membership_total = g('membership_total');
    this.membership_change = c('membership_change');
    this.update_attempt = c('update_attempt');
    this.update_success = c('update_success');
    this.update_rejected = c('update_rejected');
    this.update_empty = c('update_empty');
    this.lb_healthy_panic = c('lb_healthy_panic');
    this.hc_attempt = c('health_check.attempt');
    this.hc_success = c('health_check.success');
    this.hc_failure = c('health_check.failure');
    this.hc_network_failure = c('health_check.network_failure');
    this.hc_healthy = g('health_check.healthy');
    this.od_ejections_active = g('outlier_detection.ejections_active');
    this.od_ejections_enforced_total = c('outlier_detection.ejections_enforced_total');
    this.od_ejections_total = c('outlier_detection.ejections_total');
    this.od_ejections_overflow = c('outlier_detection.ejections_overflow');
    this.od_ejections_enforced_consecutive_5xx = c('outlier_detection.ejections_enforced_consecutive_5xx');
    this.od_ejections_detected_consecutive_5xx = c('outlier_detection.ejections_detected_consecutive_5xx');
    this.od_ejections_enforced_consecutive_gateway_failure = c(
      'outlier_detection.ejections_enforced_consecutive_gateway_failure',
    );
    this.od_ejections_detected_consecutive_gateway_failure = c(
      'outlier_detection.ejections_detected_consecutive_gateway_failure',
    );
    this.od_ejections_enforced_failure_percentage = c('outlier_detection.ejections_enforced_failure_percentage');
    this.od_ejections_detected_failure_percentage = c('outlier_detection.ejections_detected_failure_percentage');
    this.classes = [1, 2, 3, 4, 5].map((n) => c(`upstream_rq_${n}xx`));
  }

  /** Counts a response by code and class (`upstream_rq_200`, `upstream_rq_2xx`). */
  responseCode(code: number): void {
    let counter = this.codes[code];
    if (!counter) this.codes[code] = counter = this.store.counter(`${this.prefix}upstream_rq_${code}`);
    counter.inc();
    const cls = Math.floor(code / 100);
    if (cls >= 1 && cls <= 5) this.classes[cls - 1].inc();
  }
}
