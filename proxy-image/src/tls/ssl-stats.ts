/** Envoy's TLS stats under `listener.<prefix>.ssl.` or `cluster.<name>.ssl.`, resolved once. */
import type { Counter } from '../stats/metric';
import type { StatsStore } from '../stats/store';

export class SslStats {
  readonly handshake: Counter;
  readonly connection_error: Counter;
  readonly fail_verify_no_cert: Counter;
  readonly fail_verify_error: Counter;
  readonly fail_verify_san: Counter;
  readonly no_certificate: Counter;

  constructor(store: StatsStore, prefix: string) {
    const c = (n: string) => store.counter(`${prefix}ssl.${n}`);
    this.handshake = c('handshake');
    this.connection_error = c('connection_error');
    this.fail_verify_no_cert = c('fail_verify_no_cert');
    this.fail_verify_error = c('fail_verify_error');
    this.fail_verify_san = c('fail_verify_san');
    this.no_certificate = c('no_certificate');
  }
}
