/**
 * Envoy's `config.cluster.v3.Cluster`, parsed into what the cluster manager needs: discovery
 * type, load balancing, upstream protocol, limits, outlier detection and health checks.
 */

import { parseUpstreamTransportSocket, type UpstreamTlsConfig } from '../tls/tls-context';
import { type CircuitBreakerThresholds, DEFAULT_THRESHOLDS, parseCircuitBreakers } from './circuit-breakers';
import { type ConfigSourceSpec, parseConfigSource } from './config-source';
import { Fields, isObject, type Json } from './fields';
import { type HealthCheckConfig, parseHealthCheck } from './health-check';
import { type LoadAssignment, parseLoadAssignment } from './load-assignment';
import { type OutlierDetectionConfig, parseOutlierDetection } from './outlier-detection';

export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH';
/** `downstream`: `use_downstream_protocol_config`, the upstream speaks what the client spoke. */
export type UpstreamProtocol = 'http1' | 'http2' | 'downstream';

export interface Http2Options {
  readonly maxConcurrentStreams: number;
  readonly initialStreamWindowSize: number;
  readonly initialConnectionWindowSize: number;
}

export interface ClusterConfig {
  readonly name: string;
  readonly type: DiscoveryType;
  readonly edsServiceName: string;
  readonly edsConfig: ConfigSourceSpec | undefined;
  readonly connectTimeoutMs: number;
  readonly lbPolicy: LbPolicy;
  readonly ringHash: { readonly minimumRingSize: number; readonly maximumRingSize: number };
  readonly leastRequest: { readonly choiceCount: number; readonly activeRequestBias: number };
  readonly healthyPanicThreshold: number;
  readonly loadAssignment: LoadAssignment | undefined;
  readonly dnsRefreshRateMs: number;
  readonly dnsLookupFamily: 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';
  readonly circuitBreakers: CircuitBreakerThresholds;
  readonly outlierDetection: OutlierDetectionConfig | undefined;
  readonly healthChecks: readonly HealthCheckConfig[];
  readonly protocol: UpstreamProtocol;
  readonly http2: Http2Options;
  /** Upstream connection idle timeout (Envoy's default: 1 hour). */
  readonly idleTimeoutMs: number;
  readonly maxRequestsPerConnection: number;
  readonly perConnectionBufferLimitBytes: number;
  readonly ignoreHealthOnHostRemoval: boolean;
  readonly closeConnectionsOnHostHealthFailure: boolean;
  /** The `transport_socket` TLS context; undefined for plaintext upstreams. */
  readonly tls: UpstreamTlsConfig | undefined;
  /** The source JSON (for /config_dump) and its canonical text (to tell an unchanged cluster). */
  readonly raw: Json;
  readonly fingerprint: string;
}

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

const DEFAULT_HTTP2: Http2Options = {
  maxConcurrentStreams: 2147483647,
  initialStreamWindowSize: 268435456,
  initialConnectionWindowSize: 268435456,
};

function parseHttp2Options(f: Fields | undefined): Http2Options {
  if (!f) return DEFAULT_HTTP2;
  const out = {
    maxConcurrentStreams: f.number('max_concurrent_streams', DEFAULT_HTTP2.maxConcurrentStreams),
    initialStreamWindowSize: f.number('initial_stream_window_size', DEFAULT_HTTP2.initialStreamWindowSize),
    initialConnectionWindowSize: f.number('initial_connection_window_size', DEFAULT_HTTP2.initialConnectionWindowSize),
  };
  f.accept('hpack_table_size', 'allow_connect', 'allow_metadata', 'connection_keepalive');
  f.done();
  return out;
}

interface ProtocolChoice {
  protocol: UpstreamProtocol;
  http2: Http2Options;
  idleTimeoutMs: number;
  maxRequestsPerConnection: number;
}

function parseCommon(f: Fields | undefined, into: ProtocolChoice): void {
  if (!f) return;
  into.idleTimeoutMs = f.duration('idle_timeout', into.idleTimeoutMs);
  into.maxRequestsPerConnection = f.number('max_requests_per_connection', into.maxRequestsPerConnection);
  f.accept('headers_with_underscores_action', 'max_headers_count');
  f.done(['max_connection_duration', 'max_stream_duration', 'max_response_headers_kb']);
}

/** `typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]`. */
function parseHttpProtocolOptions(f: Fields, into: ProtocolChoice): void {
  parseCommon(f.object('common_http_protocol_options'), into);
  const explicit = f.object('explicit_http_config');
  const downstream = f.object('use_downstream_protocol_config');
  const auto = f.object('auto_config');
  if (explicit) {
    const h2 = explicit.object('http2_protocol_options');
    if (h2) {
      into.protocol = 'http2';
      into.http2 = parseHttp2Options(h2);
    } else {
      explicit.object('http_protocol_options')?.accept('accept_http_10', 'default_host_for_http_10');
      into.protocol = 'http1';
    }
    explicit.done(['http3_protocol_options']);
  } else if (downstream) {
    into.protocol = 'downstream';
    into.http2 = parseHttp2Options(downstream.object('http2_protocol_options'));
    downstream.accept('http_protocol_options');
    downstream.done(['http3_protocol_options']);
  } else if (auto) {
    // Without TLS there is no ALPN, and Envoy's auto_config then speaks HTTP/1.1.
    into.protocol = 'http1';
    into.http2 = parseHttp2Options(auto.object('http2_protocol_options'));
    auto.accept('http_protocol_options');
    auto.done(['http3_protocol_options', 'alternate_protocols_cache_options']);
  }
  f.accept('upstream_http_protocol_options');
  f.done(['http_filters', 'header_validation_config', 'outlier_detection']);
}

const LB_POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH'];

export function parseCluster(f: Fields, fingerprint: string): ClusterConfig {
  const name = f.requiredString('name');
  const type = f.enumOf('type', ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS'] as const, 'STATIC');
  if (f.has('cluster_type')) f.fail('cluster_type', 'custom cluster types are not supported');
  let edsServiceName = name;
  let edsConfig: ConfigSourceSpec | undefined;
  const eds = f.object('eds_cluster_config');
  if (eds) {
    edsServiceName = eds.string('service_name', '') || name;
    const cs = eds.object('eds_config');
    edsConfig = cs ? parseConfigSource(cs) : undefined;
    eds.done();
  }
  if (type === 'EDS' && !edsConfig) f.fail('eds_cluster_config.eds_config', 'is required for an EDS cluster');
  const connectTimeoutMs = f.duration('connect_timeout', 5000);
  const lbPolicy = f.enumOf('lb_policy', LB_POLICIES, 'ROUND_ROBIN');
  const rh = f.object('ring_hash_lb_config');
  const ringHash = {
    minimumRingSize: rh?.number('minimum_ring_size', 1024) ?? 1024,
    maximumRingSize: rh?.number('maximum_ring_size', 8388608) ?? 8388608,
  };
  rh?.accept('hash_function');
  rh?.done();
  const lr = f.object('least_request_lb_config');
  const leastRequest = {
    choiceCount: lr?.number('choice_count', 2) ?? 2,
    activeRequestBias: lr?.object('active_request_bias')?.number('default_value', 1) ?? 1,
  };
  lr?.accept('active_request_bias');
  lr?.done(['slow_start_config', 'selection_method']);
  const common = f.object('common_lb_config');
  const panic = common?.object('healthy_panic_threshold');
  const healthyPanicThreshold = panic?.number('value', 50) ?? 50;
  panic?.done();
  common?.accept('update_merge_window', 'ignore_new_hosts_until_first_hc');
  common?.done(['zone_aware_lb_config', 'locality_weighted_lb_config', 'consistent_hashing_lb_config']);
  const la = f.object('load_assignment');
  const loadAssignment = la ? parseLoadAssignment(la) : undefined;
  if ((type === 'STATIC' || type === 'STRICT_DNS' || type === 'LOGICAL_DNS') && !loadAssignment) {
    f.fail('load_assignment', `is required for a ${type} cluster`);
  }
  if (type === 'LOGICAL_DNS' && loadAssignment && loadAssignment.endpoints.length !== 1) {
    f.fail('load_assignment', 'a LOGICAL_DNS cluster takes exactly one endpoint');
  }
  const dnsRefreshRateMs = f.duration('dns_refresh_rate', 5000);
  const dnsLookupFamily = f.enumOf(
    'dns_lookup_family',
    ['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'] as const,
    'AUTO',
  );
  const cb = f.object('circuit_breakers');
  const circuitBreakers = cb ? parseCircuitBreakers(cb) : DEFAULT_THRESHOLDS;
  const od = f.object('outlier_detection');
  const outlierDetection = od ? parseOutlierDetection(od) : undefined;
  const healthChecks = f.array('health_checks').map(parseHealthCheck);

  const proto: ProtocolChoice = {
    protocol: 'http1',
    http2: DEFAULT_HTTP2,
    idleTimeoutMs: 3_600_000,
    maxRequestsPerConnection: 0,
  };
  // The deprecated cluster-level spellings first; the typed extension options override them.
  const legacyH2 = f.object('http2_protocol_options');
  if (legacyH2) {
    proto.protocol = 'http2';
    proto.http2 = parseHttp2Options(legacyH2);
  }
  f.object('http_protocol_options')?.accept('accept_http_10', 'default_host_for_http_10');
  parseCommon(f.object('common_http_protocol_options'), proto);
  if (
    f.enumOf(
      'protocol_selection',
      ['USE_CONFIGURED_PROTOCOL', 'USE_DOWNSTREAM_PROTOCOL'] as const,
      'USE_CONFIGURED_PROTOCOL',
    ) === 'USE_DOWNSTREAM_PROTOCOL'
  ) {
    proto.protocol = 'downstream';
  }
  const typed = f.get('typed_extension_protocol_options');
  if (isObject(typed)) {
    for (const [key, value] of Object.entries(typed)) {
      const path = `${f.at('typed_extension_protocol_options')}["${key}"]`;
      const type = isObject(value) ? String(value['@type'] ?? '') : '';
      if (key === HTTP_PROTOCOL_OPTIONS || type.endsWith(`/${HTTP_PROTOCOL_OPTIONS}`)) {
        parseHttpProtocolOptions(Fields.of(value, path, f.ctx), proto);
      } else {
        f.ctx.ignored.push(path);
      }
    }
  }
  const ts = f.object('transport_socket');
  const tls = ts ? parseUpstreamTransportSocket(ts) : undefined;
  const perConnectionBufferLimitBytes = f.number('per_connection_buffer_limit_bytes', 1024 * 1024);
  const ignoreHealthOnHostRemoval = f.bool('ignore_health_on_host_removal');
  const closeConnectionsOnHostHealthFailure = f.bool('close_connections_on_host_health_failure');
  f.accept(
    'metadata',
    'upstream_connection_options',
    'track_timeout_budgets',
    'track_cluster_stats',
    'wait_for_warm_on_init',
  );
  f.done([
    'transport_socket_matches',
    'lb_subset_config',
    'maglev_lb_config',
    'original_dst_lb_config',
    'load_balancing_policy',
    'upstream_bind_config',
    'filters',
    'upstream_config',
    'preconnect_policy',
  ]);
  return {
    name,
    type,
    edsServiceName,
    edsConfig,
    connectTimeoutMs,
    lbPolicy,
    ringHash,
    leastRequest,
    healthyPanicThreshold,
    loadAssignment,
    dnsRefreshRateMs,
    dnsLookupFamily,
    circuitBreakers,
    outlierDetection,
    healthChecks,
    protocol: proto.protocol,
    http2: proto.http2,
    idleTimeoutMs: proto.idleTimeoutMs,
    maxRequestsPerConnection: proto.maxRequestsPerConnection,
    perConnectionBufferLimitBytes,
    ignoreHealthOnHostRemoval,
    closeConnectionsOnHostHealthFailure,
    tls,
    raw: f.raw,
    fingerprint,
  };
}
