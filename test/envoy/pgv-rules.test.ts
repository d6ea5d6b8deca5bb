import { encode, validateJson } from '../../lib/envoy';

// protoc-gen-validate rules as Envoy's .proto files declare them, one rule family at a time.
const reasons = (typeName: string, json: unknown) => validateJson(typeName, json).map((p) => `${p.path}: ${p.reason}`);

describe('protoc-gen-validate rules', () => {
  it('string min_len applies to absent fields too (proto3 has no "unset" string)', () => {
    expect(reasons('envoy.config.endpoint.v3.ClusterLoadAssignment', {})).toEqual(['cluster_name: must not be empty']);
  });

  it('string min_len counts characters, max_bytes counts UTF-8 bytes', () => {
    // CertificateValidationContext.verify_certificate_spki items: min_len 44, max_bytes 44.
    const V = 'envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext';
    const spki = 'A'.repeat(44);
    expect(reasons(V, { verify_certificate_spki: [spki] })).toEqual([]);
    expect(reasons(V, { verify_certificate_spki: ['A'.repeat(43)] })).toEqual([
      'verify_certificate_spki[0]: must be at least 44 characters long',
    ]);
    expect(reasons(V, { verify_certificate_spki: [`${'A'.repeat(43)}é`] })).toEqual([
      'verify_certificate_spki[0]: must be at most 44 bytes long',
    ]);
  });

  it('well_known_regex HTTP_HEADER_NAME: loose (strict: false, as Envoy declares it) refuses only NUL, CR, LF', () => {
    const H = 'envoy.config.route.v3.HeaderMatcher';
    expect(reasons(H, { name: 'x y(z)', present_match: true })).toEqual([]);
    expect(reasons(H, { name: 'x\u0000', present_match: true })).toEqual([
      'name: must not contain NUL, CR or LF characters',
    ]);
    expect(reasons(H, { name: 'x\ny', present_match: true })).toHaveLength(1);
  });

  it('well_known_regex HTTP_HEADER_VALUE, strict (the default), refuses control characters', () => {
    // HealthCheck.HttpHealthCheck.path: min_len 1, HTTP_HEADER_VALUE without `strict: false`.
    const HC = 'envoy.config.core.v3.HealthCheck.HttpHealthCheck';
    expect(reasons(HC, { path: '/health\tz' })).toEqual([]);
    expect(reasons(HC, { path: '/health\u0007' })).toEqual([
      'path: must be a valid HTTP header value (no control characters)',
    ]);
  });

  it('string in / pattern', () => {
    const RL = 'envoy.extensions.filters.http.ratelimit.v3.RateLimit';
    const rls = { grpc_service: { envoy_grpc: { cluster_name: 'rls' } }, transport_api_version: 'V3' };
    expect(reasons(RL, { domain: 'd', request_type: 'both', rate_limit_service: rls })).toEqual([]);
    expect(reasons(RL, { domain: 'd', request_type: 'all', rate_limit_service: rls })).toEqual([
      'request_type: must be one of "internal", "external", "both", ""',
    ]);
    // path_separated_prefix: pattern ^[^?#]+[^?#/]$ (RE2).
    const RM = 'envoy.config.route.v3.RouteMatch';
    expect(reasons(RM, { path_separated_prefix: '/api' })).toEqual([]);
    expect(reasons(RM, { path_separated_prefix: '/api/' })).toEqual([
      'path_separated_prefix: must match the pattern "^[^?#]+[^?#/]$"',
    ]);
  });

  it('uint32 ranges, on plain fields and on wrappers (only when the wrapper is set)', () => {
    const T = 'envoy.config.cluster.v3.OutlierDetection';
    expect(reasons(T, {})).toEqual([]);
    expect(reasons(T, { max_ejection_percent: 100 })).toEqual([]);
    expect(reasons(T, { max_ejection_percent: 101 })).toEqual(['max_ejection_percent: must be at most 100']);
    // HCM.max_request_headers_kb: gt 0, lte 8192.
    const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
    const base = { stat_prefix: 's', rds: { route_config_name: 'r', config_source: { ads: {} } } };
    expect(reasons(HCM, { ...base, max_request_headers_kb: 0 })).toEqual([
      'max_request_headers_kb: must be in the range (0, 8192]',
    ]);
    expect(reasons(HCM, { ...base, max_request_headers_kb: 8192 })).toEqual([]);
  });

  it('int64, double and float rules', () => {
    expect(
      reasons('envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig', {
        max_active_downstream_connections: '0',
      }),
    ).toEqual(['max_active_downstream_connections: must be greater than 0']);
    expect(reasons('envoy.config.overload.v3.ThresholdTrigger', { value: 1.5 })).toEqual([
      'value: must be in the range [0, 1]',
    ]);
    expect(reasons('envoy.config.overload.v3.ThresholdTrigger', { value: 'NaN' })).toEqual([
      'value: must be a number, not NaN',
    ]);
  });

  it('enum defined_only and not_in', () => {
    const S = 'envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher';
    expect(reasons(S, { san_type: 'DNS', matcher: { exact: 'a' } })).toEqual([]);
    expect(reasons(S, { san_type: 42, matcher: { exact: 'a' } })).toEqual([
      'san_type: value 42 is not defined in the enum',
    ]);
    expect(reasons(S, { matcher: { exact: 'a' } })).toEqual(['san_type: must not be 0']);
  });

  it('repeated min_items, and unique', () => {
    const W = 'envoy.config.route.v3.WeightedCluster';
    expect(reasons(W, { clusters: [] })).toEqual(['clusters: must not be empty']);
    expect(reasons(W, {})).toEqual(['clusters: must not be empty']);
    const IRP = 'envoy.config.route.v3.InternalRedirectPolicy';
    expect(reasons(IRP, { response_headers_to_copy: ['a', 'b', 'a'] })).toEqual([
      'response_headers_to_copy[2]: repeats item [0]; items must be unique',
    ]);
  });

  it('map min_pairs', () => {
    const MM = 'envoy.config.common.matcher.v3.Matcher.MatcherTree.MatchMap';
    expect(reasons(MM, { map: {} })).toEqual(['map: must not be empty']);
    expect(
      reasons(MM, {
        map: { k: { action: { name: 'a', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Empty' } } } },
      }),
    ).toEqual([]);
  });

  it('duration required and gt', () => {
    const HC = 'envoy.config.core.v3.HealthCheck';
    const ok = { timeout: '1s', interval: '5s', unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} };
    expect(reasons(HC, ok)).toEqual([]);
    expect(reasons(HC, { ...ok, timeout: undefined })).toEqual(['timeout: is required']);
    expect(reasons(HC, { ...ok, interval: '0s' })).toEqual(['interval: must be greater than 0s']);
    // Bootstrap.stats_flush_interval: gte 1ms, lt 300s.
    const B = 'envoy.config.bootstrap.v3.Bootstrap';
    expect(reasons(B, { stats_flush_interval: '300s' })).toEqual([
      'stats_flush_interval: must be in the range [0.001s, 300s)',
    ]);
    expect(reasons(B, { stats_flush_interval: '0.0005s' })).toHaveLength(1);
  });

  it('bool const', () => {
    expect(reasons('envoy.config.rbac.v3.Permission', { any: false })).toEqual(['any: must be true']);
  });

  it('message.skip is honoured, and encode skips rules unless asked', () => {
    const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';
    expect(() => encode(CLA, {})).not.toThrow();
    expect(() => encode(CLA, {}, { validate: true })).toThrow(/cluster_name: must not be empty/);
  });

  it('rules inside an Any apply', () => {
    const any = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      rds: { route_config_name: 'r', config_source: { ads: {} } },
    };
    expect(reasons('google.protobuf.Any', any)).toEqual(['stat_prefix: must not be empty']);
  });
});
