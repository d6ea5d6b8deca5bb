/**
 * One request's retry state (Envoy's RetryStateImpl): the route's retry policy merged with
 * `x-envoy-retry-on`, `x-envoy-retry-grpc-on`, `x-envoy-max-retries` and
 * `x-envoy-retriable-status-codes` from internal callers; which outcomes are retriable; how
 * many retries remain; the fully jittered exponential back-off; and the retry circuit breaker.
 */
import type { ResourceManager } from '../cluster/resource-manager';
import { firstValue, type HeaderMap, type RequestHeaders } from '../http/header-map';
import type { UpstreamFailureKind } from '../upstream/conn-pool';
import { DEFAULT_BASE_INTERVAL_MS, parseRetryOn, RetryOn, type RetryPolicy } from './retry-policy';

const NO_CODES: ReadonlySet<number> = new Set();
const GRPC_CODES: ReadonlyArray<readonly [number, number]> = [
  [1, RetryOn.cancelled],
  [4, RetryOn['deadline-exceeded']],
  [8, RetryOn['resource-exhausted']],
  [13, RetryOn.internal],
  [14, RetryOn.unavailable],
];

export type RetryDecision = 'retry' | 'no' | 'limit' | 'overflow';

export class RetryState {
  private remaining: number;
  private readonly codes: ReadonlySet<number>;
  private active = false;

  private constructor(
    private readonly retryOn: number,
    numRetries: number,
    codes: ReadonlySet<number>,
    private readonly policy: RetryPolicy | undefined,
    private readonly resources: ResourceManager,
  ) {
    this.remaining = numRetries;
    this.codes = codes;
  }

  /** Undefined when nothing is retriable for this request. */
  static create(
    policy: RetryPolicy | undefined,
    req: RequestHeaders,
    internal: boolean,
    resources: ResourceManager,
  ): RetryState | undefined {
    let bits = policy?.retryOn ?? 0;
    let num = policy?.numRetries ?? 1;
    // The policy's own set, shared by its requests; copied only when a header adds codes.
    let codes: ReadonlySet<number> = policy?.retriableStatusCodes ?? NO_CODES;
    if (internal) {
      const h = req.headers;
      const on = firstValue(h, 'x-envoy-retry-on');
      if (on) bits |= parseRetryOn(on).bits;
      const grpcOn = firstValue(h, 'x-envoy-retry-grpc-on');
      if (grpcOn) bits |= parseRetryOn(grpcOn, true).bits;
      const max = firstValue(h, 'x-envoy-max-retries');
      if (max !== undefined && /^\d+$/.test(max)) num = Number(max);
      const sc = firstValue(h, 'x-envoy-retriable-status-codes');
      if (sc) {
        const more = new Set(codes);
        for (const c of sc.split(',')) if (/^\s*\d+\s*$/.test(c)) more.add(Number(c));
        codes = more;
      }
    }
    if (bits === 0 || num <= 0) return undefined;
    if (policy?.retriableRequestHeaders.length) {
      const ok = policy.retriableRequestHeaders.some((m) => m.matches(req.headers));
      if (!ok) return undefined;
    }
    return new RetryState(bits, num, codes, policy, resources);
  }

  get avoidPreviousHosts(): boolean {
    return this.policy?.avoidPreviousHosts ?? false;
  }

  get hostSelectionAttempts(): number {
    return this.policy?.hostSelectionRetryMaxAttempts ?? 1;
  }

  /** Would a response with this status (and headers) be retried under `retry_on`? */
  private retriableResponse(status: number, headers: HeaderMap, grpc: boolean): boolean {
    const on = this.retryOn;
    if (on & RetryOn['5xx'] && status >= 500) return true;
    if (on & RetryOn['gateway-error'] && (status === 502 || status === 503 || status === 504)) return true;
    if (on & RetryOn['retriable-4xx'] && status === 409) return true;
    if (on & RetryOn['retriable-status-codes'] && this.codes.has(status)) return true;
    if (on & RetryOn['envoy-ratelimited'] && headers['x-envoy-ratelimited'] !== undefined) return true;
    if (on & RetryOn['retriable-headers'] && this.policy?.retriableHeaders.some((m) => m.matches(headers))) return true;
    if (grpc) {
      const gs = firstValue(headers, 'grpc-status');
      if (gs !== undefined) {
        const code = Number(gs);
        for (const [c, bit] of GRPC_CODES) if (c === code && on & bit) return true;
      }
    }
    return false;
  }

  private retriableFailure(kind: UpstreamFailureKind | 'per_try_timeout'): boolean {
    const on = this.retryOn;
    switch (kind) {
      case 'connect_failure':
        return (on & (RetryOn['connect-failure'] | RetryOn['5xx'] | RetryOn['gateway-error'] | RetryOn.reset)) !== 0;
      case 'reset':
      case 'protocol_error':
        return (on & (RetryOn.reset | RetryOn['5xx'])) !== 0;
      case 'refused_stream':
        return (on & (RetryOn['refused-stream'] | RetryOn['5xx'] | RetryOn.reset)) !== 0;
      case 'per_try_timeout':
        return (on & (RetryOn['5xx'] | RetryOn['gateway-error'] | RetryOn.reset)) !== 0;
      default:
        return false;
    }
  }

  /** Decides about a response; `retry` also takes a retry slot (release with `attemptDone`). */
  onResponse(status: number, headers: HeaderMap, grpc: boolean): RetryDecision {
    return this.decide(this.retriableResponse(status, headers, grpc));
  }

  onFailure(kind: UpstreamFailureKind | 'per_try_timeout'): RetryDecision {
    return this.decide(this.retriableFailure(kind));
  }

  private decide(retriable: boolean): RetryDecision {
    if (!retriable) return 'no';
    if (this.remaining <= 0) return 'limit';
    if (!this.resources.retries.canCreate()) return 'overflow';
    this.remaining--;
    this.resources.retries.inc();
    this.active = true;
    return 'retry';
  }

  /** The retried attempt ended (or the request did): its retry slot is free again. */
  attemptDone(): void {
    if (!this.active) return;
    this.active = false;
    this.resources.retries.dec();
  }

  /** Full-jitter exponential back-off: uniform in [0, (2^n − 1) × base), capped at max. */
  backoffMs(retryNumber: number): number {
    const base = this.policy?.baseIntervalMs ?? DEFAULT_BASE_INTERVAL_MS;
    const max = this.policy?.maxIntervalMs ?? base * 10;
    const ceiling = Math.min(max, (2 ** retryNumber - 1) * base);
    return Math.random() * ceiling;
  }
}
