/** Envoy's `config.core.v3.HealthCheck`: active HTTP or TCP checks of each host. */
import type { Fields } from './fields';

export interface HealthCheckConfig {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly initialJitterMs: number;
  readonly intervalJitterMs: number;
  readonly intervalJitterPercent: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  readonly noTrafficIntervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly unhealthyEdgeIntervalMs: number;
  readonly healthyEdgeIntervalMs: number;
  readonly reuseConnection: boolean;
  readonly http:
    | {
        readonly host: string | undefined;
        readonly path: string;
        /** [start, end) ranges; Envoy's default is 200 only. */
        readonly expectedStatuses: ReadonlyArray<readonly [number, number]>;
        readonly codec: 'HTTP1' | 'HTTP2';
        readonly headers: ReadonlyArray<readonly [string, string]>;
      }
    | undefined;
  readonly tcp: { readonly send: Buffer | undefined; readonly receive: readonly Buffer[] } | undefined;
}

function payload(f: Fields | undefined): Buffer | undefined {
  if (!f) return undefined;
  const text = f.string('text');
  const binary = f.string('binary');
  f.done();
  if (text !== undefined) return Buffer.from(text, 'hex');
  if (binary !== undefined) return Buffer.from(binary, 'base64');
  return undefined;
}

export function parseHealthCheck(f: Fields): HealthCheckConfig {
  const timeoutMs = f.duration('timeout') ?? f.fail('timeout', 'is required');
  const intervalMs = f.duration('interval') ?? f.fail('interval', 'is required');
  if (!f.has('unhealthy_threshold')) f.fail('unhealthy_threshold', 'is required');
  if (!f.has('healthy_threshold')) f.fail('healthy_threshold', 'is required');
  const unhealthyThreshold = f.number('unhealthy_threshold', 1);
  const healthyThreshold = f.number('healthy_threshold', 1);
  const initialJitterMs = f.duration('initial_jitter', 0);
  const intervalJitterMs = f.duration('interval_jitter', 0);
  const intervalJitterPercent = f.number('interval_jitter_percent', 0);
  const noTrafficIntervalMs = f.duration('no_traffic_interval', 60_000);
  const unhealthyIntervalMs = f.duration('unhealthy_interval', intervalMs);
  const unhealthyEdgeIntervalMs = f.duration('unhealthy_edge_interval', unhealthyIntervalMs);
  const healthyEdgeIntervalMs = f.duration('healthy_edge_interval', intervalMs);
  const reuseConnection = f.bool('reuse_connection', true);
  let http: HealthCheckConfig['http'];
  let tcp: HealthCheckConfig['tcp'];
  const h = f.object('http_health_check');
  const t = f.object('tcp_health_check');
  if (h) {
    const host = h.string('host') || undefined;
    const path = h.requiredString('path');
    const ranges = h.array('expected_statuses').map((r) => {
      const start = r.number('start', 0);
      const end = r.number('end', 0);
      r.done();
      if (start < 100 || end > 600 || end <= start) r.fail('', 'must be a range [start, end) within 100..600');
      return [start, end] as const;
    });
    const codec = h.enumOf('codec_client_type', ['HTTP1', 'HTTP2'] as const, 'HTTP1');
    const headers = h.array('request_headers_to_add').map((o) => {
      const hv = o.object('header') ?? o.fail('header', 'is required');
      const pair = [hv.requiredString('key').toLowerCase(), hv.string('value', '')] as const;
      hv.done();
      o.accept('append', 'append_action', 'keep_empty_value');
      o.done();
      return pair;
    });
    h.accept('request_headers_to_remove');
    h.done(['send', 'receive', 'response_buffer_size', 'retriable_statuses', 'service_name_matcher', 'method']);
    http = { host, path, expectedStatuses: ranges.length ? ranges : [[200, 201]], codec, headers };
  } else if (t) {
    const send = payload(t.object('send'));
    const receive = t.array('receive').map((p) => payload(p)!);
    t.done(['proxy_protocol_config']);
    tcp = { send, receive };
  } else {
    f.done(['grpc_health_check', 'custom_health_check']);
    f.fail('', 'http_health_check or tcp_health_check is required');
  }
  f.accept('event_log_path', 'always_log_health_check_failures', 'always_log_health_check_success', 'event_logger');
  f.done(['grpc_health_check', 'custom_health_check', 'transport_socket_match_criteria', 'tls_options']);
  return {
    timeoutMs,
    intervalMs,
    initialJitterMs,
    intervalJitterMs,
    intervalJitterPercent,
    unhealthyThreshold,
    healthyThreshold,
    noTrafficIntervalMs,
    unhealthyIntervalMs,
    unhealthyEdgeIntervalMs,
    healthyEdgeIntervalMs,
    reuseConnection,
    http,
    tcp,
  };
}
