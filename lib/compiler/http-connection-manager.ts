/**
 * Envoy's HTTP connection manager as Trellis configures it. Sidecars sit behind other
 * proxies; gateways face the internet and get Envoy's edge hardening (use the client's
 * address, reject underscores, unescape slashes, strip host ports, tighter timeouts).
 */
import { envoyDuration } from '../model/duration';
import type { Tracing } from '../model/tracing';
import type { AccessLog } from '../model/version';
import type { BodyRouting } from './body-router';
import { bodyRouterFilter } from './body-router';
import { PASSTHROUGH_DNS_CACHE } from './cluster';
import {
  DYNAMIC_FORWARD_PROXY_FILTER,
  FILE_ACCESS_LOG,
  HTTP_CONNECTION_MANAGER,
  ROUTER,
  TCP_PROXY,
  XRAY_CONFIG,
} from './extensions';

type Json = Record<string, unknown>;
const ADS = { ads: {}, resource_api_version: 'V3' };

export type HcmKind = 'ingress' | 'egress' | 'gateway';

export interface HcmOptions {
  readonly kind: HcmKind;
  readonly statPrefix: string;
  readonly routeConfigName: string;
  /** Stream idle timeout; Envoy's 5 minutes when unset. */
  readonly idleMs?: number;
  readonly bodyRouting?: BodyRouting;
  /** Adds the dynamic forward proxy filter `egress: ALLOW_ALL` needs. */
  readonly passthrough?: boolean;
  readonly accessLog?: AccessLog;
  /** Filters that decide before anything else runs: authentication, then authorization. */
  readonly guards?: readonly Json[];
  /** X-Ray tracing: the segment name this proxy reports under, and the daemon. */
  readonly tracing?: { readonly segmentName: string; readonly tracing: Tracing };
}

export function accessLogs(log: AccessLog | undefined): Json[] | undefined {
  if (!log) return undefined;
  const config: Json = { '@type': FILE_ACCESS_LOG, path: log.path };
  if (log.text)
    config.log_format = { text_format_source: { inline_string: log.text.endsWith('\n') ? log.text : `${log.text}\n` } };
  if (log.json) config.log_format = { json_format: log.json };
  return [{ name: 'envoy.access_loggers.file', typed_config: config }];
}

export function httpConnectionManager(o: HcmOptions): Json {
  const edge = o.kind === 'gateway';
  const filters: Json[] = [...(o.guards ?? [])];
  if (o.bodyRouting && o.bodyRouting.paths.size > 0) filters.push(bodyRouterFilter(o.bodyRouting));
  if (o.passthrough) {
    filters.push({
      name: 'envoy.filters.http.dynamic_forward_proxy',
      typed_config: { '@type': DYNAMIC_FORWARD_PROXY_FILTER, dns_cache_config: PASSTHROUGH_DNS_CACHE },
    });
  }
  filters.push({ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } });
  const hcm: Json = {
    '@type': HTTP_CONNECTION_MANAGER,
    stat_prefix: o.statPrefix,
    codec_type: 'AUTO',
    rds: { config_source: ADS, route_config_name: o.routeConfigName },
    http_filters: filters,
    // Route and authorize on the same normalized path that is forwarded.
    normalize_path: true,
    merge_slashes: true,
    // `%2F` could carry a path past an authorization rule the application then decodes into.
    path_with_escaped_slashes_action: edge
      ? 'UNESCAPE_AND_REDIRECT'
      : o.guards?.length
        ? 'REJECT_REQUEST'
        : 'KEEP_UNCHANGED',
    use_remote_address: edge,
    request_headers_timeout: edge ? '10s' : '30s',
    stream_idle_timeout: envoyDuration(o.idleMs ?? 300_000),
    common_http_protocol_options: {
      idle_timeout: '3600s',
      headers_with_underscores_action: edge ? 'REJECT_REQUEST' : 'ALLOW',
    },
    http2_protocol_options: {
      max_concurrent_streams: 100,
      initial_stream_window_size: 65536,
      initial_connection_window_size: 1048576,
    },
  };
  if (edge) hcm.strip_any_host_port = true;
  if (o.tracing) hcm.tracing = xrayTracing(o.tracing.segmentName, o.tracing.tracing);
  const logs = accessLogs(o.accessLog);
  if (logs) hcm.access_log = logs;
  return hcm;
}

export function tcpProxy(
  statPrefix: string,
  destination: { cluster: string } | { weighted_clusters: unknown },
  opts: { idleMs?: number; maxConnectAttempts?: number; accessLog?: AccessLog } = {},
): Json {
  const out: Json = { '@type': TCP_PROXY, stat_prefix: statPrefix, ...destination };
  if (opts.idleMs !== undefined) out.idle_timeout = envoyDuration(opts.idleMs);
  if (opts.maxConnectAttempts !== undefined) out.max_connect_attempts = opts.maxConnectAttempts;
  const logs = accessLogs(opts.accessLog);
  if (logs) out.access_log = logs;
  return out;
}

function xrayTracing(segmentName: string, t: Tracing): Json {
  const config: Json = { '@type': XRAY_CONFIG, segment_name: segmentName };
  if (t.xray.daemon)
    config.daemon_endpoint = { protocol: 'UDP', address: t.xray.daemon.address, port_value: t.xray.daemon.port };
  return { provider: { name: 'envoy.tracers.xray', typed_config: config } };
}
