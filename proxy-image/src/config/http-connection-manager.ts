/**
 * Envoy's `HttpConnectionManager` network filter config: codec, routes (inline or RDS),
 * HTTP filters, access logs, header handling and the hardening limits, with Envoy's defaults
 * except where proxy-image/README.md says otherwise.
 */
import { type AccessLog, parseAccessLogs } from '../access-log/access-log';
import { type HttpFilterChain, parseHttpFilters } from '../filters/registry';
import { AddressSet, DEFAULT_INTERNAL, parseCidr } from '../http/internal-address';
import type { PathNormalization } from '../http/path-normalization';
import { parseRouteConfiguration, type RouteTable } from '../router/route-table';
import { parseTracing } from '../tracing/xray-config';
import { XRayTracer } from '../tracing/xray-tracer';
import { type ConfigSourceSpec, parseConfigSource } from './config-source';
import type { Fields } from './fields';

export type RouteSource =
  | { readonly kind: 'static'; readonly table: RouteTable }
  | { readonly kind: 'rds'; readonly name: string; readonly source: ConfigSourceSpec };

export type UnderscoresAction = 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER';

export interface HcmConfig {
  readonly statPrefix: string;
  readonly codec: 'AUTO' | 'HTTP1' | 'HTTP2';
  readonly routes: RouteSource;
  readonly filters: HttpFilterChain;
  readonly accessLogs: readonly AccessLog[];
  readonly useRemoteAddress: boolean;
  readonly skipXffAppend: boolean;
  readonly internalAddresses: AddressSet;
  readonly generateRequestId: boolean;
  readonly preserveExternalRequestId: boolean;
  readonly alwaysSetRequestIdInResponse: boolean;
  readonly serverName: string;
  readonly serverHeaderTransformation: 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';
  readonly via: string;
  readonly maxRequestHeadersBytes: number;
  readonly maxHeadersCount: number;
  readonly headersWithUnderscoresAction: UnderscoresAction;
  readonly requestHeadersTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Downstream connection idle timeout (Envoy's `common_http_protocol_options.idle_timeout`). */
  readonly idleTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly maxConcurrentStreams: number;
  readonly stripPort: 'none' | 'matching' | 'any';
  /** forward_client_cert_details: SANITIZE strips x-forwarded-client-cert (no TLS yet). */
  readonly forwardClientCert: 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';
  /** Envoy answers HTTP/1.0 with 426 unless `http_protocol_options.accept_http_10`. */
  readonly acceptHttp10: boolean;
  readonly defaultHostForHttp10: string;
  /** `normalize_path`, `merge_slashes`, `path_with_escaped_slashes_action` (Envoy's defaults: all off). */
  readonly pathNormalization: PathNormalization;
  /** `tracing` with the X-Ray provider: one segment per request. */
  readonly tracer: XRayTracer | undefined;
}

/** Request headers limit: Envoy's default 60 KiB. */
const DEFAULT_MAX_HEADERS_KB = 60;
/**
 * Envoy's `request_headers_timeout` is disabled by default; a sidecar facing slowloris
 * clients needs one, so this proxy defaults to 10 s (README: deviations).
 */
const DEFAULT_REQUEST_HEADERS_TIMEOUT_MS = 10_000;
/** Envoy's `max_concurrent_streams` default is 2^31-1; this proxy defaults to 100 (README). */
const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

export function parseHttpConnectionManager(f: Fields): HcmConfig {
  const statPrefix = f.requiredString('stat_prefix');
  const codec = f.enumOf('codec_type', ['AUTO', 'HTTP1', 'HTTP2'] as const, 'AUTO');
  let routes: RouteSource;
  const rds = f.object('rds');
  const inline = f.object('route_config');
  if (rds) {
    const source = parseConfigSource(rds.object('config_source') ?? rds.fail('config_source', 'is required'));
    const name = rds.requiredString('route_config_name');
    rds.done();
    routes = { kind: 'rds', name, source };
  } else if (inline) {
    routes = { kind: 'static', table: parseRouteConfiguration(inline, true) };
  } else {
    f.done(['scoped_routes']);
    f.fail('', 'rds or route_config is required');
  }
  const filters = parseHttpFilters(f);
  const accessLogs = parseAccessLogs(f.array('access_log'));
  const useRemoteAddress = f.bool('use_remote_address');
  const skipXffAppend = f.bool('skip_xff_append');
  f.accept('xff_num_trusted_hops');
  let internalAddresses = DEFAULT_INTERNAL;
  const iac = f.object('internal_address_config');
  if (iac) {
    iac.accept('unix_sockets');
    const ranges = iac.array('cidr_ranges').map((r) => {
      const prefix = r.requiredString('address_prefix');
      const bits = r.number('prefix_len', prefix.includes(':') ? 128 : 32);
      r.done();
      return parseCidr(prefix, bits) ?? r.fail('address_prefix', `"${prefix}/${bits}" is not a valid CIDR range`);
    });
    iac.done();
    if (ranges.length) internalAddresses = new AddressSet(ranges);
  }
  const generateRequestId = f.bool('generate_request_id', true);
  const preserveExternalRequestId = f.bool('preserve_external_request_id');
  const alwaysSetRequestIdInResponse = f.bool('always_set_request_id_in_response');
  const serverName = f.string('server_name', 'envoy');
  const serverHeaderTransformation = f.enumOf(
    'server_header_transformation',
    ['OVERWRITE', 'APPEND_IF_ABSENT', 'PASS_THROUGH'] as const,
    'OVERWRITE',
  );
  const via = f.string('via', '');
  const maxRequestHeadersBytes = f.number('max_request_headers_kb', DEFAULT_MAX_HEADERS_KB) * 1024;
  let maxHeadersCount = 100;
  let headersWithUnderscoresAction: UnderscoresAction = 'ALLOW';
  let idleTimeoutMs = 3_600_000;
  const common = f.object('common_http_protocol_options');
  if (common) {
    maxHeadersCount = common.number('max_headers_count', 100);
    headersWithUnderscoresAction = common.enumOf(
      'headers_with_underscores_action',
      ['ALLOW', 'REJECT_REQUEST', 'DROP_HEADER'] as const,
      'ALLOW',
    );
    idleTimeoutMs = common.duration('idle_timeout', idleTimeoutMs);
    common.done([
      'max_connection_duration',
      'max_stream_duration',
      'max_requests_per_connection',
      'max_response_headers_kb',
    ]);
  }
  const requestHeadersTimeoutMs = f.duration('request_headers_timeout', DEFAULT_REQUEST_HEADERS_TIMEOUT_MS);
  const streamIdleTimeoutMs = f.duration('stream_idle_timeout', 300_000);
  const requestTimeoutMs = f.duration('request_timeout', 0);
  const drainTimeoutMs = f.duration('drain_timeout', 5000);
  let maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
  const h2 = f.object('http2_protocol_options');
  if (h2) {
    maxConcurrentStreams = h2.number('max_concurrent_streams', DEFAULT_MAX_CONCURRENT_STREAMS);
    h2.accept(
      'initial_stream_window_size',
      'initial_connection_window_size',
      'hpack_table_size',
      'connection_keepalive',
    );
    h2.done();
  }
  const h1 = f.object('http_protocol_options');
  const acceptHttp10 = h1?.bool('accept_http_10') ?? false;
  const defaultHostForHttp10 = h1?.string('default_host_for_http_10', '') ?? '';
  h1?.accept('allow_absolute_url');
  h1?.done();
  const stripPort = f.bool('strip_any_host_port') ? 'any' : f.bool('strip_matching_host_port') ? 'matching' : 'none';
  const forwardClientCert = f.enumOf(
    'forward_client_cert_details',
    ['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY'] as const,
    'SANITIZE',
  );
  const pathNormalization: PathNormalization = {
    normalizePath: f.bool('normalize_path'),
    mergeSlashes: f.bool('merge_slashes'),
    escapedSlashes: ((a) => (a === 'IMPLEMENTATION_SPECIFIC_DEFAULT' ? 'KEEP_UNCHANGED' : a))(
      f.enumOf(
        'path_with_escaped_slashes_action',
        [
          'IMPLEMENTATION_SPECIFIC_DEFAULT',
          'KEEP_UNCHANGED',
          'REJECT_REQUEST',
          'UNESCAPE_AND_REDIRECT',
          'UNESCAPE_AND_FORWARD',
        ] as const,
        'IMPLEMENTATION_SPECIFIC_DEFAULT',
      ),
    ),
  };
  const tracingFields = f.object('tracing');
  const xray = tracingFields ? parseTracing(tracingFields) : undefined;
  f.accept('delayed_close_timeout', 'add_user_agent', 'stream_error_on_invalid_http_message', 'access_log_options');
  f.done(['scoped_routes', 'http3_protocol_options', 'original_ip_detection_extensions', 'path_normalization_options']);
  return {
    statPrefix,
    codec,
    routes,
    filters,
    accessLogs,
    useRemoteAddress,
    skipXffAppend,
    internalAddresses,
    generateRequestId,
    preserveExternalRequestId,
    alwaysSetRequestIdInResponse,
    serverName,
    serverHeaderTransformation,
    via,
    maxRequestHeadersBytes,
    maxHeadersCount,
    headersWithUnderscoresAction,
    requestHeadersTimeoutMs,
    streamIdleTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs,
    drainTimeoutMs,
    maxConcurrentStreams,
    stripPort,
    forwardClientCert,
    acceptHttp10,
    defaultHostForHttp10,
    pathNormalization,
    tracer: xray ? new XRayTracer(xray) : undefined,
  };
}
