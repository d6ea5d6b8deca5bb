/**
 * App Mesh retry events → Envoy `retry_on` conditions. App Mesh documents that both
 * `server-error` and `gateway-error` include Envoy's `reset`.
 */
import { durationMs, envoyDuration } from '../model/duration';
import type { RetryPolicy } from '../model/route';
import { PREVIOUS_HOSTS } from './extensions';

const HTTP_EVENTS: Record<string, string[]> = {
  // Envoy's `5xx` already covers resets and failed connects.
  'server-error': ['5xx'],
  'gateway-error': ['gateway-error', 'reset'],
  'client-error': ['retriable-4xx'],
  'stream-error': ['refused-stream'],
};
const TCP_EVENTS: Record<string, string[]> = { 'connection-error': ['connect-failure'] };

/** Envoy's documented order, so equal policies print equally. */
const ORDER = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
];

export function retryOn(p: RetryPolicy): string[] {
  const on = new Set<string>();
  for (const e of p.httpRetryEvents ?? []) for (const c of HTTP_EVENTS[e]) on.add(c);
  for (const e of p.tcpRetryEvents ?? []) for (const c of TCP_EVENTS[e]) on.add(c);
  for (const e of p.grpcRetryEvents ?? []) on.add(e);
  if (p.httpStatusCodes?.length) on.add('retriable-status-codes');
  return ORDER.filter((c) => on.has(c));
}

/** Envoy `config.route.v3.RetryPolicy`. */
export function retryPolicy(p: RetryPolicy): Record<string, unknown> {
  const out: Record<string, unknown> = {
    retry_on: retryOn(p).join(','),
    num_retries: p.maxRetries,
  };
  if (p.perRetryTimeout) out.per_try_timeout = envoyDuration(durationMs(p.perRetryTimeout));
  if (p.httpStatusCodes?.length) out.retriable_status_codes = [...new Set(p.httpStatusCodes)].sort((a, b) => a - b);
  if (p.backoff) {
    const base = durationMs(p.backoff.base);
    out.retry_back_off = {
      base_interval: envoyDuration(base),
      max_interval: envoyDuration(p.backoff.max ? durationMs(p.backoff.max) : base * 10),
    };
  }
  // A retry should try another endpoint when there is one: the failing one is likely still failing.
  out.retry_host_predicate = [
    { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': PREVIOUS_HOSTS } },
  ];
  out.host_selection_retry_max_attempts = '3';
  return out;
}

/** TCP routes retry a failed connect by trying again (TcpProxy's `max_connect_attempts`). */
export function maxConnectAttempts(p: RetryPolicy | undefined): number | undefined {
  return p?.tcpRetryEvents?.includes('connection-error') ? p.maxRetries + 1 : undefined;
}
