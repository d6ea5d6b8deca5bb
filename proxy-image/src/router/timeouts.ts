/**
 * A request's upstream timeouts (Envoy's FilterUtility::finalTimeout): the route timeout, or
 * for gRPC with `max_stream_duration.grpc_timeout_header_max` the `grpc-timeout` header (capped
 * by that max, minus the offset); internal callers may override both with
 * `x-envoy-upstream-rq-timeout-ms` / `x-envoy-upstream-rq-per-try-timeout-ms`. A per-try
 * timeout not below the global one is dropped. 0 means none.
 */
import { firstValue, type RequestHeaders } from '../http/header-map';
import type { RetryPolicy } from './retry-policy';
import type { ForwardAction } from './route-action';

export interface Timeouts {
  readonly globalMs: number;
  readonly perTryMs: number;
}

const GRPC_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** Milliseconds in a `grpc-timeout` header (`100m`, `5S`), or undefined when malformed. */
export function parseGrpcTimeout(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(v);
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * GRPC_UNITS[m[2]]);
}

function headerMs(req: RequestHeaders, name: string): number | undefined {
  const v = firstValue(req.headers, name);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function finalTimeouts(
  action: ForwardAction,
  policy: RetryPolicy | undefined,
  req: RequestHeaders,
  internal: boolean,
  grpc: boolean,
  respectExpected: boolean,
): Timeouts {
  let globalMs = action.timeoutMs;
  let perTryMs = policy?.perTryTimeoutMs ?? 0;
  if (grpc && action.grpcTimeoutHeaderMaxMs !== undefined) {
    let t = parseGrpcTimeout(firstValue(req.headers, 'grpc-timeout')) ?? 0;
    const max = action.grpcTimeoutHeaderMaxMs;
    if (max > 0 && (t === 0 || t > max)) t = max;
    if (t > 0 && action.grpcTimeoutHeaderOffsetMs > 0) t = Math.max(1, t - action.grpcTimeoutHeaderOffsetMs);
    globalMs = t;
  }
  if (internal) {
    const expected = respectExpected ? headerMs(req, 'x-envoy-expected-rq-timeout-ms') : undefined;
    const override = expected ?? headerMs(req, 'x-envoy-upstream-rq-timeout-ms');
    if (override !== undefined) globalMs = override;
    const perTry = headerMs(req, 'x-envoy-upstream-rq-per-try-timeout-ms');
    if (perTry !== undefined) perTryMs = perTry;
  }
  if (globalMs > 0 && perTryMs >= globalMs) perTryMs = 0;
  return { globalMs, perTryMs };
}
