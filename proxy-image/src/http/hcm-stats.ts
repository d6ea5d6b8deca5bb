/** The connection manager's stats under `http.<stat_prefix>.`, Envoy's names, resolved once. */
import type { Counter, Gauge } from '../stats/metric';
import type { StatsStore } from '../stats/store';

export class HcmStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_active: Gauge;
  readonly downstream_cx_http1_total: Counter;
  readonly downstream_cx_http1_active: Gauge;
  readonly downstream_cx_http2_total: Counter;
  readonly downstream_cx_http2_active: Gauge;
  readonly downstream_cx_destroy: Counter;
  readonly downstream_cx_drain_close: Counter;
  readonly downstream_cx_protocol_error: Counter;
  readonly downstream_cx_idle_timeout: Counter;
  readonly downstream_rq_total: Counter;
  readonly downstream_rq_http1_total: Counter;
  readonly downstream_rq_http2_total: Counter;
  readonly downstream_rq_active: Gauge;
  readonly downstream_rq_completed: Counter;
  readonly downstream_rq_rx_reset: Counter;
  readonly downstream_rq_tx_reset: Counter;
  readonly downstream_rq_timeout: Counter;
  readonly downstream_rq_idle_timeout: Counter;
  readonly downstream_rq_header_timeout: Counter;
  readonly downstream_rq_too_large: Counter;
  readonly downstream_rq_time: import('../stats/histogram').Histogram;
  readonly no_route: Counter;
  readonly no_cluster: Counter;
  readonly rq_redirect: Counter;
  readonly rq_direct_response: Counter;
  readonly requests_rejected_with_underscores_in_headers: Counter;
  readonly dropped_headers_with_underscores: Counter;
  readonly downstream_rq_failed_path_normalization: Counter;
  readonly downstream_rq_redirected_with_normalized_path: Counter;
  private readonly classes: Counter[];

  constructor(store: StatsStore, statPrefix: string) {
    const p = `http.${statPrefix}.`;
    const c = (n: string) => store.counter(p + n);
    const g = (n: string) => store.gauge(p + n);
    this.downstream_cx_total = c('downstream_cx_total');
    this.downstream_cx_active = g('downstream_cx_active');
    this.downstream_cx_http1_total = c('downstream_cx_http1_total');
    this.downstream_cx_http1_active = g('downstream_cx_http1_active');
    this.downstream_cx_http2_total = c('downstream_cx_http2_total');
    this.downstream_cx_http2_active = g('downstream_cx_http2_active');
    this.downstream_cx_destroy = c('downstream_cx_destroy');
    this.downstream_cx_drain_close = c('downstream_cx_drain_close');
    this.downstream_cx_protocol_error = c('downstream_cx_protocol_error');
    this.downstream_cx_idle_timeout = c('downstream_cx_idle_timeout');
    this.downstream_rq_total = c('downstream_rq_total');
    this.downstream_rq_http1_total = c('downstream_rq_http1_total');
    this.downstream_rq_http2_total = c('downstream_rq_http2_total');
    this.downstream_rq_active = g('downstream_rq_active');
    this.downstream_rq_completed = c('downstream_rq_completed');
    this.downstream_rq_rx_reset = c('downstream_rq_rx_reset');
    this.downstream_rq_tx_reset = c('downstream_rq_tx_reset');
    this.downstream_rq_timeout = c('downstream_rq_timeout');
    this.downstream_rq_idle_timeout = c('downstream_rq_idle_timeout');
    this.downstream_rq_header_timeout = c('downstream_rq_header_timeout');
    this.downstream_rq_too_large = c('downstream_rq_too_large');
    this.downstream_rq_time = store.histogram(`${p}downstream_rq_time`);
    this.no_route = c('no_route');
    this.no_cluster = c('no_cluster');
    this.rq_redirect = c('rq_redirect');
    this.rq_direct_response = c('rq_direct_response');
    this.requests_rejected_with_underscores_in_headers = c('requests_rejected_with_underscores_in_headers');
    this.dropped_headers_with_underscores = c('dropped_headers_with_underscores');
    this.downstream_rq_failed_path_normalization = c('downstream_rq_failed_path_normalization');
    this.downstream_rq_redirected_with_normalized_path = c('downstream_rq_redirected_with_normalized_path');
    this.classes = [1, 2, 3, 4, 5].map((n) => c(`downstream_rq_${n}xx`));
  }

  responseClass(status: number): void {
    const cls = Math.floor(status / 100);
    if (cls >= 1 && cls <= 5) this.classes[cls - 1].inc();
  }
}
