/**
 * Envoy's `config.route.v3.RetryPolicy`: which outcomes are retried (`retry_on`), how many
 * times, the per-try timeout and the back-off. `x-envoy-retry-on` and friends from internal
 * callers override it per request (see router/retry-state.ts).
 */
import type { Fields } from '../config/fields';
import { type HeaderMatcher, parseHeaderMatcher } from './header-matcher';

export const RetryOn = {
  '5xx': 1 << 0,
  'gateway-error': 1 << 1,
  reset: 1 << 2,
  'connect-failure': 1 << 3,
  'retriable-4xx': 1 << 4,
  'refused-stream': 1 << 5,
  'retriable-status-codes': 1 << 6,
  'retriable-headers': 1 << 7,
  'reset-before-request': 1 << 8,
  'envoy-ratelimited': 1 << 9,
  cancelled: 1 << 16,
  'deadline-exceeded': 1 << 17,
  internal: 1 << 18,
  'resource-exhausted': 1 << 19,
  unavailable: 1 << 20,
} as const;

export const GRPC_RETRY_ON = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'];

/** Bits for a comma-separated `retry_on`; unknown names are returned so callers can warn. */
export function parseRetryOn(text: string, grpcOnly = false): { bits: number; unknown: string[] } {
  let bits = 0;
  const unknown: string[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    const bit = (RetryOn as Record<string, number>)[name];
    if (bit === undefined || (grpcOnly && !GRPC_RETRY_ON.includes(name))) unknown.push(name);
    else bits |= bit;
  }
  return { bits, unknown };
}

export interface RetryPolicy {
  readonly retryOn: number;
  readonly retriableStatusCodes: ReadonlySet<number>;
  readonly numRetries: number;
  /** 0: no per-try timeout. */
  readonly perTryTimeoutMs: number;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly retriableHeaders: readonly HeaderMatcher[];
  readonly retriableRequestHeaders: readonly HeaderMatcher[];
  /** `envoy.retry_host_predicates.previous_hosts`: avoid hosts already tried. */
  readonly avoidPreviousHosts: boolean;
  readonly hostSelectionRetryMaxAttempts: number;
}

/** Envoy's back-off defaults: 25 ms base, 10× base maximum. */
export const DEFAULT_BASE_INTERVAL_MS = 25;

export function parseRetryPolicy(f: Fields): RetryPolicy {
  const { bits, unknown } = parseRetryOn(f.string('retry_on', ''));
  for (const u of unknown) f.ctx.ignored.push(`${f.at('retry_on')} ("${u}")`);
  const numRetries = f.number('num_retries', 1);
  const perTryTimeoutMs = f.duration('per_try_timeout', 0);
  let baseIntervalMs = DEFAULT_BASE_INTERVAL_MS;
  let maxIntervalMs = DEFAULT_BASE_INTERVAL_MS * 10;
  const backOff = f.object('retry_back_off');
  if (backOff) {
    baseIntervalMs = backOff.duration('base_interval', DEFAULT_BASE_INTERVAL_MS);
    if (baseIntervalMs <= 0) backOff.fail('base_interval', 'must be greater than 0');
    maxIntervalMs = backOff.duration('max_interval', baseIntervalMs * 10);
    if (maxIntervalMs < baseIntervalMs) backOff.fail('max_interval', 'must be at least base_interval');
    backOff.done();
  }
  const codes = new Set<number>();
  const rawCodes = f.get('retriable_status_codes');
  if (Array.isArray(rawCodes)) for (const c of rawCodes) codes.add(Number(c));
  const retriableHeaders = f.array('retriable_headers').map(parseHeaderMatcher);
  const retriableRequestHeaders = f.array('retriable_request_headers').map(parseHeaderMatcher);
  let avoidPreviousHosts = false;
  for (const p of f.array('retry_host_predicate')) {
    const name = p.string('name', '');
    const typed = p.object('typed_config');
    const type = typed ? String(typed.raw['@type'] ?? '') : '';
    typed?.accept(...Object.keys(typed.raw));
    p.done();
    if (name === 'envoy.retry_host_predicates.previous_hosts' || type.endsWith('.PreviousHostsPredicate')) {
      avoidPreviousHosts = true;
    } else {
      f.ctx.ignored.push(`${p.path} (${name || type})`);
    }
  }
  const hostSelectionRetryMaxAttempts = f.number('host_selection_retry_max_attempts', 1);
  f.done();
  return {
    retryOn: bits,
    retriableStatusCodes: codes,
    numRetries,
    perTryTimeoutMs,
    baseIntervalMs,
    maxIntervalMs,
    retriableHeaders,
    retriableRequestHeaders,
    avoidPreviousHosts,
    hostSelectionRetryMaxAttempts,
  };
}
