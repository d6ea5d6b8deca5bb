/**
 * Clusters: a version's endpoints as seen by its callers (EDS, with the outlier detection
 * the version asked for), the sidecar's own application (static, with health checks and
 * the version's connection limits), external services (DNS) and the passthrough.
 */
import { durationMs, envoyDuration } from '../model/duration';
import type { ConnectionPool, HealthCheck, OutlierDetection } from '../model/listener';
import type { ExternalServiceModel, ListenerModel } from '../model/model';
import type { Protocol } from '../model/primitives';
import { DYNAMIC_FORWARD_PROXY_CLUSTER, HTTP_PROTOCOL_OPTIONS, UPSTREAM_TLS_CONTEXT } from './extensions';
import { externalCluster, PASSTHROUGH_CLUSTER } from './names';

type Json = Record<string, unknown>;
const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ADS = { ads: {}, resource_api_version: 'V3' };

/** Connecting inside a VPC or on loopback is fast; fail fast so retries can try another host. */
const CONNECT_TIMEOUT = '1s';

function http2Options(protocol: Protocol): Json | undefined {
  if (protocol !== 'http2' && protocol !== 'grpc') return undefined;
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': HTTP_PROTOCOL_OPTIONS,
      explicit_http_config: { http2_protocol_options: {} },
    },
  };
}

export function outlierDetection(o: OutlierDetection): Json {
  return {
    consecutive_5xx: o.maxServerErrors,
    interval: envoyDuration(durationMs(o.interval)),
    base_ejection_time: envoyDuration(durationMs(o.baseEjectionDuration)),
    max_ejection_percent: o.maxEjectionPercent,
  };
}

export function circuitBreakers(pool: ConnectionPool): Json {
  const t: Json = { priority: 'DEFAULT' };
  if (pool.maxConnections !== undefined) t.max_connections = pool.maxConnections;
  if (pool.maxPendingRequests !== undefined) t.max_pending_requests = pool.maxPendingRequests;
  if (pool.maxRequests !== undefined) t.max_requests = pool.maxRequests;
  return { thresholds: [t] };
}

function healthCheck(hc: HealthCheck, listener: ListenerModel): Json {
  const protocol = hc.protocol ?? listener.protocol;
  const out: Json = {
    timeout: envoyDuration(durationMs(hc.timeout)),
    interval: envoyDuration(durationMs(hc.interval)),
    healthy_threshold: hc.healthyThreshold,
    unhealthy_threshold: hc.unhealthyThreshold,
  };
  if (protocol === 'tcp') out.tcp_health_check = {};
  else if (protocol === 'grpc') out.grpc_health_check = {};
  else out.http_health_check = { path: hc.path, ...(protocol === 'http2' ? { codec_client_type: 'HTTP2' } : {}) };
  return out;
}

/** Callers' view of one version listener: endpoints by EDS. */
export function outboundEdsCluster(
  name: string,
  protocol: Protocol,
  outlier: OutlierDetection | undefined,
  pool?: ConnectionPool,
): Json {
  const c: Json = {
    '@type': CLUSTER,
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS, service_name: name },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
  };
  if (outlier) c.outlier_detection = outlierDetection(outlier);
  c.circuit_breakers = circuitBreakers(pool ?? {});
  // Envoy's fixed limit of 3 concurrent retries per cluster fails requests under any real
  // concurrency; a budget (Linkerd's stance) lets retries grow with traffic, bounded at 20%.
  (c.circuit_breakers as { thresholds: Json[] }).thresholds[0].retry_budget = {
    budget_percent: { value: 20 },
    min_retry_concurrency: 10,
  };
  const options = http2Options(protocol);
  if (options) c.typed_extension_protocol_options = options;
  return c;
}

/** The sidecar's own application on loopback. */
export function inboundCluster(name: string, listener: ListenerModel, address: string, port: number): Json {
  const c: Json = {
    '@type': CLUSTER,
    name,
    type: 'STATIC',
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: port } } } }] }],
    },
  };
  if (listener.connectionPool) c.circuit_breakers = circuitBreakers(listener.connectionPool);
  if (listener.healthCheck) c.health_checks = [healthCheck(listener.healthCheck, listener)];
  const options = http2Options(listener.protocol);
  if (options) c.typed_extension_protocol_options = options;
  return c;
}

/** A host outside the mesh, resolved by DNS; `sni` originates TLS to it. */
export function dnsCluster(name: string, host: string, port: number, sni?: string): Json {
  const c: Json = {
    '@type': CLUSTER,
    name,
    type: 'LOGICAL_DNS',
    dns_lookup_family: 'V4_PREFERRED',
    connect_timeout: '5s',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] },
      ],
    },
  };
  if (sni)
    c.transport_socket = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS_CONTEXT, sni } };
  return c;
}

/** An external service's host; TLS originated by the proxy for https/tls. */
export function externalDnsCluster(ext: ExternalServiceModel, host: string): Json {
  const tls = ext.protocol === 'https' || ext.protocol === 'tls';
  return dnsCluster(externalCluster(host, ext.port), host, ext.port, tls ? host : undefined);
}

/** Shared by the passthrough cluster and the egress filter, which Envoy requires to match. */
export const PASSTHROUGH_DNS_CACHE = { name: 'passthrough', dns_lookup_family: 'V4_PREFERRED' };

/**
 * `egress: ALLOW_ALL`: requests for hosts outside the mesh go where their Host header says,
 * through Envoy's dynamic forward proxy (the egress listener carries its filter). An
 * ORIGINAL_DST cluster would need an IP address, and applications name hosts.
 */
export function passthroughCluster(): Json {
  return {
    '@type': CLUSTER,
    name: PASSTHROUGH_CLUSTER,
    connect_timeout: '5s',
    lb_policy: 'CLUSTER_PROVIDED',
    cluster_type: {
      name: 'envoy.clusters.dynamic_forward_proxy',
      typed_config: { '@type': DYNAMIC_FORWARD_PROXY_CLUSTER, dns_cache_config: PASSTHROUGH_DNS_CACHE },
    },
  };
}
