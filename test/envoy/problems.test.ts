import { encode, formatProblem, type JsonObject, ProtoJsonError, validateJson } from '../../lib/envoy';
import { clone, fixture } from './fixtures';

// Every negative case changes one thing in a valid resource and expects exactly one problem, at
// the exact path of the change.
const LISTENER = 'envoy.config.listener.v3.Listener';
const ROUTE = 'envoy.config.route.v3.RouteConfiguration';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ENDPOINTS = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

type Any = any;

function only(typeName: string, doc: JsonObject) {
  const problems = validateJson(typeName, doc);
  expect(problems).toHaveLength(1);
  return problems[0];
}

/** A listener whose HCM carries an inline route_config, to reach deep paths. */
function listenerWithInlineRoutes(): Any {
  const listener: Any = clone(fixture('listener'));
  const hcm = listener.filter_chains[0].filters[0].typed_config;
  delete hcm.rds;
  const routes: Any = clone(fixture('route'));
  delete routes['@type'];
  routes.virtual_hosts.push({ name: 'second', domains: ['second'], routes: clone(routes.virtual_hosts[0].routes) });
  hcm.route_config = routes;
  expect(validateJson(LISTENER, listener)).toEqual([]);
  return listener;
}

const DEEP = 'filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].routes[1].match.safe_regex';

describe('problems name the exact path', () => {
  it('unknown field, deep inside an Any', () => {
    const l = listenerWithInlineRoutes();
    l.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].routes[1].match.safe_regex.regx = 'a';
    expect(only(LISTENER, l)).toEqual({
      path: `${DEEP}.regx`,
      reason: 'unknown field "regx" in envoy.type.matcher.v3.RegexMatcher (did you mean "regex"?)',
    });
  });

  it('wrong JSON type', () => {
    const c: Any = clone(fixture('cluster'));
    c.connect_timeout = 5;
    expect(only(CLUSTER, c)).toEqual({
      path: 'connect_timeout',
      reason: 'expected a duration string such as "1.5s", got 5',
    });
    const e: Any = clone(fixture('endpoints'));
    e.endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value = '80x';
    expect(only(ENDPOINTS, e).path).toBe('endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value');
    const r: Any = clone(fixture('route'));
    r.virtual_hosts[0].domains = 'catalog';
    expect(only(ROUTE, r)).toEqual({
      path: 'virtual_hosts[0].domains',
      reason: 'expected an array, got the string "catalog"',
    });
  });

  it('bad enum name', () => {
    const c: Any = clone(fixture('cluster'));
    c.lb_policy = 'LEAST_REQUESTS';
    const p = only(CLUSTER, c);
    expect(p.path).toBe('lb_policy');
    expect(p.reason).toMatch(/^unknown value "LEAST_REQUESTS" for enum envoy\.config\.cluster\.v3\.Cluster\.LbPolicy/);
    expect(p.reason).toContain('LEAST_REQUEST');
  });

  it('bad Duration', () => {
    const r: Any = clone(fixture('route'));
    r.virtual_hosts[0].routes[0].route.retry_policy.per_try_timeout = '2';
    expect(only(ROUTE, r)).toEqual({
      path: 'virtual_hosts[0].routes[0].route.retry_policy.per_try_timeout',
      reason: 'malformed duration "2": expected seconds with an "s" suffix, e.g. "0.25s"',
    });
    r.virtual_hosts[0].routes[0].route.retry_policy.per_try_timeout = '1.0000000001s';
    expect(only(ROUTE, r).reason).toMatch(/malformed duration/);
    r.virtual_hosts[0].routes[0].route.retry_policy.per_try_timeout = '315576000001s';
    expect(only(ROUTE, r).reason).toMatch(/out of range/);
  });

  it('missing required field (PGV min_len on Cluster.name, message.required on Route.match)', () => {
    const c: Any = clone(fixture('cluster'));
    delete c.name;
    expect(only(CLUSTER, c)).toEqual({ path: 'name', reason: 'must not be empty' });
    c.name = '';
    expect(only(CLUSTER, c)).toEqual({ path: 'name', reason: 'must not be empty' });
    const r: Any = clone(fixture('route'));
    delete r.virtual_hosts[0].routes[2].match;
    expect(only(ROUTE, r)).toEqual({ path: 'virtual_hosts[0].routes[2].match', reason: 'is required' });
  });

  it('violated numeric rule', () => {
    const e: Any = clone(fixture('endpoints'));
    e.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 65536;
    expect(only(ENDPOINTS, e)).toEqual({
      path: 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
      reason: 'must be at most 65535',
    });
    const c: Any = clone(fixture('cluster'));
    c.outlier_detection.max_ejection_percent = 101; // a UInt32Value with lte: 100
    expect(only(CLUSTER, c)).toEqual({ path: 'outlier_detection.max_ejection_percent', reason: 'must be at most 100' });
    c.outlier_detection.max_ejection_percent = 10;
    c.typed_extension_protocol_options[
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
    ].explicit_http_config.http2_protocol_options.max_concurrent_streams = 0;
    expect(only(CLUSTER, c)).toEqual({
      path: 'typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http2_protocol_options.max_concurrent_streams',
      reason: 'must be in the range [1, 2147483647]',
    });
  });

  it('unknown @type', () => {
    const l = listenerWithInlineRoutes();
    l.filter_chains[0].filters[0].typed_config.http_filters[1].typed_config['@type'] =
      'type.googleapis.com/envoy.extensions.filters.http.routr.v3.Router';
    expect(only(LISTENER, l)).toEqual({
      path: 'filter_chains[0].filters[0].typed_config.http_filters[1].typed_config["@type"]',
      reason: "unknown type envoy.extensions.filters.http.routr.v3.Router: not in Envoy's API",
    });
    delete l.filter_chains[0].filters[0].typed_config.http_filters[1].typed_config['@type'];
    expect(only(LISTENER, l)).toEqual({
      path: 'filter_chains[0].filters[0].typed_config.http_filters[1].typed_config',
      reason: 'missing "@type" (google.protobuf.Any needs a type URL)',
    });
  });

  it('two fields of one oneof', () => {
    const r: Any = clone(fixture('route'));
    r.virtual_hosts[0].routes[2].route = { cluster: 'x' }; // next to its redirect
    const p = only(ROUTE, r);
    expect(p.path).toMatch(/^virtual_hosts\[0\]\.routes\[2\]\.(route|redirect)$/);
    expect(p.reason).toMatch(/only one field of oneof action may be/);
  });

  it('required oneof left unset', () => {
    const r: Any = clone(fixture('route'));
    delete r.virtual_hosts[0].routes[3].direct_response;
    expect(only(ROUTE, r)).toEqual({
      path: 'virtual_hosts[0].routes[3]',
      reason: expect.stringMatching(/^one of route, redirect, direct_response, .* must be set \(oneof action\)$/),
    });
  });

  it('header names and values Envoy would refuse', () => {
    const r: Any = clone(fixture('route'));
    r.virtual_hosts[0].routes[0].match.headers[0].name = 'x-canary\r\nx-injected';
    expect(only(ROUTE, r)).toEqual({
      path: 'virtual_hosts[0].routes[0].match.headers[0].name',
      reason: 'must not contain NUL, CR or LF characters',
    });
  });

  it('int64 given as a non-integer', () => {
    const r: Any = clone(fixture('route'));
    r.virtual_hosts[0].routes[0].route.retry_policy.host_selection_retry_max_attempts = 1.5;
    expect(only(ROUTE, r)).toEqual({
      path: 'virtual_hosts[0].routes[0].route.retry_policy.host_selection_retry_max_attempts',
      reason: 'expected an integer for int64, got 1.5',
    });
  });

  it('a wrapper given as an object instead of its bare value', () => {
    const r: Any = clone(fixture('route'));
    r.virtual_hosts[0].routes[0].route.retry_policy.num_retries = { value: 3 };
    expect(only(ROUTE, r)).toEqual({
      path: 'virtual_hosts[0].routes[0].route.retry_policy.num_retries',
      reason: 'expected an integer for uint32, got an object',
    });
  });

  it('reports every problem at once, and encode refuses with all of them', () => {
    const c: Any = clone(fixture('cluster'));
    c.lb_policy = 'NOPE';
    c.connect_timeout = '1m';
    c.bogus = true;
    const problems = validateJson(CLUSTER, c);
    expect(problems.map((p) => p.path)).toEqual(['connect_timeout', 'lb_policy', 'bogus']);
    expect(problems.map(formatProblem)[2]).toBe('bogus: unknown field "bogus" in envoy.config.cluster.v3.Cluster');
    let thrown: unknown;
    try {
      encode(CLUSTER, c);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ProtoJsonError);
    expect((thrown as ProtoJsonError).problems).toEqual(problems);
    expect((thrown as Error).message).toMatch(/^invalid envoy\.config\.cluster\.v3\.Cluster:\n {2}connect_timeout: /);
  });

  it('a resource whose "@type" names another type', () => {
    const doc = { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'x' };
    expect(only(LISTENER, doc)).toEqual({
      path: '["@type"]',
      reason:
        'names "type.googleapis.com/envoy.config.cluster.v3.Cluster", but the document is read as envoy.config.listener.v3.Listener',
    });
  });
});
