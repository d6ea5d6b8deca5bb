/**
 * Routing semantics, field by field, on the fixture meshes: what a caller's sidecar and a
 * gateway will actually do with a request.
 */
import { compile } from '../../lib/compiler/compile';
import type { Snapshot } from '../../lib/compiler/snapshot';
import { byName, endpointsFor, FIXTURES, loadModel, route, virtualHost } from './fixtures';

type Json = Record<string, any>;
let shop: Record<string, Snapshot>;
let edge: Record<string, Snapshot>;
let platform: Record<string, Snapshot>;

beforeAll(async () => {
  const [routing, gateway, protocols] = await Promise.all(FIXTURES.map(loadModel));
  shop = compile(routing, endpointsFor(routing)).snapshots;
  edge = compile(gateway, endpointsFor(gateway)).snapshots;
  platform = compile(protocols, endpointsFor(protocols)).snapshots;
});

describe('routing by the Client header', () => {
  it('sends Android to one service and iOS to another, everyone else to v1, in priority order', () => {
    const vh = virtualHost(shop['frontend/v1'], 'egress-http', 'api:8080');
    expect(vh.domains).toEqual(['api', 'api:8080']);
    expect(vh.routes.map((r: Json) => r.name)).toEqual(['api/android', 'api/ios', 'api/everyone-else']);
    expect(route(vh, 'api/android')).toMatchObject({
      match: { prefix: '/', headers: [{ name: 'client', string_match: { exact: 'Android' } }] },
      route: { cluster: 'outbound|9000|v1|android-api' },
    });
    expect(route(vh, 'api/ios')).toMatchObject({
      match: { prefix: '/', headers: [{ name: 'client', string_match: { exact: 'iOS' } }] },
      route: { cluster: 'outbound|9000|v1|ios-api' },
    });
    expect(route(vh, 'api/everyone-else').match).toEqual({ prefix: '/' });
  });

  it('gives the caller clusters only for the backends it may call', () => {
    const clusters = shop['frontend/v1'].resources.clusters.map((c) => c.name);
    expect(clusters).toContain('outbound|9000|v1|android-api');
    expect(clusters).not.toContain('outbound|8080|v1|frontend');
    // catalog's callers see catalog; catalog itself calls nobody.
    expect(shop['catalog/v1'].resources.clusters.map((c) => c.name)).toEqual(['inbound|8080|v1|catalog']);
  });
});

describe('a 90/10 canary with retries', () => {
  let r: Json;
  beforeAll(() => {
    r = route(virtualHost(shop['frontend/v1'], 'egress-http', 'catalog:8080'), 'catalog/canary');
  });

  it('splits 90/10 between v1 and v2', () => {
    expect(r.route.weighted_clusters.clusters).toEqual([
      { name: 'outbound|8080|v1|catalog', weight: 90 },
      { name: 'outbound|8080|v2|catalog', weight: 10 },
    ]);
  });

  it('retries server and gateway errors and failed connects, with a per-try timeout and backoff', () => {
    expect(r.route.retry_policy).toMatchObject({
      retry_on: '5xx,gateway-error,reset,connect-failure',
      num_retries: 3,
      per_try_timeout: '0.500s',
      retry_back_off: { base_interval: '0.010s', max_interval: '0.100s' },
    });
    expect(r.route.timeout).toBe('3s');
    expect(r.route.idle_timeout).toBe('30s');
  });

  it("ejects v1 endpoints as v1's listener asks, and only v1's", () => {
    const { clusters } = shop['frontend/v1'].resources;
    expect(byName(clusters, 'outbound|8080|v1|catalog').outlier_detection).toEqual({
      consecutive_5xx: 3,
      interval: '5s',
      base_ejection_time: '15s',
      max_ejection_percent: 50,
    });
    expect(byName(clusters, 'outbound|8080|v2|catalog').outlier_detection).toBeUndefined();
  });

  it('assigns endpoints by EDS with health and zone', () => {
    const cla = byName(shop['frontend/v1'].resources.endpoints, 'outbound|8080|v1|catalog');
    expect(cla.endpoints).toEqual([
      {
        locality: { zone: 'us-east-1a' },
        lb_endpoints: [
          expect.objectContaining({
            endpoint: { address: { socket_address: { address: '10.0.0.3', port_value: 8080 } } },
            health_status: 'HEALTHY',
          }),
        ],
      },
      {
        locality: { zone: 'us-east-1b' },
        lb_endpoints: [expect.objectContaining({ health_status: 'UNHEALTHY' })],
      },
    ]);
  });
});

describe('the mesh default retry policy', () => {
  it("applies App Mesh's default to routes without one, and none to routes that turn it off", () => {
    const vh = virtualHost(shop['frontend/v1'], 'egress-http', 'orders:8080');
    expect(route(vh, 'orders/default').route.retry_policy).toMatchObject({
      retry_on: 'connect-failure,refused-stream,retriable-status-codes,unavailable',
      num_retries: 2,
      retriable_status_codes: [503],
    });
    expect(route(vh, 'orders/rest').route.retry_policy).toBeUndefined();
  });
});

describe('body-based routing', () => {
  it('routes POSTs whose JSON body has customer.tier = gold to the priority version', () => {
    const vh = virtualHost(shop['frontend/v1'], 'egress-http', 'orders:8080');
    const r = route(vh, 'orders/gold-customers');
    expect(r.match.prefix).toBe('/orders');
    const bodyHeader = r.match.headers.find((h: Json) => h.name.startsWith('x-trellis-body-'));
    expect(bodyHeader.string_match).toEqual({ exact: 'gold' });
    expect(r.match.headers).toContainEqual({ name: ':method', string_match: { exact: 'POST' } });
    expect(r.route.cluster).toBe('outbound|8080|priority|orders');

    const hcm = byName(shop['frontend/v1'].resources.listeners, 'egress-http').filter_chains[0].filters[0].typed_config;
    const filter = hcm.http_filters[0];
    expect(filter.name).toBe('trellis.filters.http.body_router');
    // Optional, so a stock Envoy still loads the config.
    expect(filter.is_optional).toBe(true);
    expect(filter.typed_config.value).toEqual({
      max_request_bytes: 4096,
      fields: [{ path: 'customer.tier', header: bodyHeader.name }],
    });
    expect(hcm.http_filters.at(-1).name).toBe('envoy.filters.http.router');
  });

  it('adds no body filter where no route reads the body', () => {
    const hcm = byName(shop['api/v1'].resources.listeners, 'ingress-8080').filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters.map((f: Json) => f.name)).toEqual(['envoy.filters.http.router']);
  });

  it('rewrites a legacy prefix and host on a service route', () => {
    const r = route(virtualHost(shop['frontend/v1'], 'egress-http', 'orders:8080'), 'orders/legacy-path');
    expect(r.route).toMatchObject({ prefix_rewrite: '/orders', host_rewrite_literal: 'orders.internal' });
  });
});

describe('the gateway', () => {
  const vhosts = () => byName(edge.public.resources.routes, 'gateway-8443').virtual_hosts as Json[];
  const vh = (name: string) => virtualHost(edge.public, 'gateway-8443', name);

  it('listens on the gateway port with edge hardening', () => {
    const l = byName(edge.public.resources.listeners, 'gateway-8443');
    expect(l.address.socket_address.port_value).toBe(8443);
    const hcm = l.filter_chains[0].filters[0].typed_config;
    expect(hcm).toMatchObject({
      use_remote_address: true,
      normalize_path: true,
      merge_slashes: true,
      strip_any_host_port: true,
      common_http_protocol_options: { headers_with_underscores_action: 'REJECT_REQUEST' },
    });
  });

  it('groups routes by hostname, and every host also gets the routes that match any host', () => {
    expect(vhosts().map((v) => [v.name, v.domains])).toEqual([
      ['*', ['*']],
      ['exact:api.shop.example', ['api.shop.example']],
      ['suffix:.shop.example', ['*.shop.example']],
    ]);
    const api = vh('exact:api.shop.example');
    const names = api.routes.map((r: Json) => r.name);
    // Priority order holds across hostname matches: exact host (1), suffix (5) matches it too, status (3).
    expect(names.indexOf('public/shop-api/catalog/split')).toBeLessThan(names.indexOf('public/status/catalog/v2-api'));
    expect(names.indexOf('public/status/catalog/v2-api')).toBeLessThan(
      names.indexOf('public/shop-wildcard/catalog/split'),
    );
    expect(names.at(-1)).toBe('public/fallback/catalog/split');
  });

  it('rewrites the matched prefix to / and the host to the service, as App Mesh does', () => {
    const api = vh('exact:api.shop.example');
    const split = route(api, 'public/shop-api/catalog/split');
    expect(split.match).toEqual({ prefix: '/catalog' });
    expect(split.route).toMatchObject({
      regex_rewrite: { pattern: { regex: '^/catalog/?' }, substitution: '/' },
      host_rewrite_literal: 'catalog',
      weighted_clusters: {
        clusters: [
          { name: 'outbound|8080|v1|catalog', weight: 80 },
          { name: 'outbound|8080|v2|catalog', weight: 20 },
        ],
      },
    });
    // catalog's /v2/ route, behind /catalog: /catalog/v2/x (and /catalogv2/x) becomes /v2/x.
    const v2 = api.routes.filter((r: Json) => r.name.startsWith('public/shop-api/catalog/v2-api'));
    expect(v2.map((r: Json) => [r.match.prefix, r.route.prefix_rewrite])).toEqual([
      ['/catalog/v2/', '/v2/'],
      ['/catalogv2/', '/v2/'],
    ]);
  });

  it('rewrites an explicit prefix and decides regex routes it can never reach', () => {
    const wild = vh('suffix:.shop.example');
    const routes = wild.routes.filter((r: Json) => r.name.startsWith('public/shop-wildcard/'));
    expect(routes.map((r: Json) => r.name)).toEqual(['public/shop-wildcard/catalog/split']);
    expect(routes[0].route.prefix_rewrite).toBe('/shop/');
  });

  it('rewrites a whole path and keeps only the service routes it matches', () => {
    const any = vh('*');
    const status = any.routes.filter((r: Json) => r.name.startsWith('public/status/'));
    expect(status.map((r: Json) => r.name)).toEqual(['public/status/catalog/v2-api']);
    expect(status[0].match).toEqual({ path: '/status' });
    expect(status[0].route.regex_rewrite).toEqual({ pattern: { regex: '^.*$' }, substitution: '/v2/health' });
  });

  it('keeps the path and host when told to', () => {
    const any = vh('*');
    const r = route(any, 'public/keep-path/reports/default-9090');
    expect(r.match).toEqual({ prefix: '/reports', headers: [{ name: 'x-team', string_match: { prefix: 'finance' } }] });
    expect(r.route.prefix_rewrite).toBeUndefined();
    expect(r.route.regex_rewrite).toBeUndefined();
    expect(r.route.host_rewrite_literal).toBeUndefined();
  });

  it('answers its own health check and applies the listener connection pool to its clusters', () => {
    for (const vh of vhosts()) {
      expect(vh.routes[0]).toEqual({
        name: 'health',
        match: { path: '/healthz' },
        direct_response: { status: 200, body: { inline_string: 'ok\n' } },
      });
    }
    const c = byName(edge.public.resources.clusters, 'outbound|8080|v1|catalog');
    expect(c.circuit_breakers).toEqual({
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: 500,
          max_pending_requests: 100,
          // Retries grow with traffic instead of Envoy's fixed 3 at a time.
          retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 10 },
        },
      ],
    });
    expect(
      byName(edge.public.resources.clusters, 'outbound|9090|v1|reports').typed_extension_protocol_options,
    ).toBeDefined();
  });
});

describe('protocols, ports and egress', () => {
  it('routes gRPC by service and method with metadata, honouring grpc-timeout', () => {
    const vh = virtualHost(platform['client/v1'], 'egress-http', 'inventory:50051');
    const r = route(vh, 'inventory/reads');
    expect(r.match).toEqual({
      path: '/inventory.v1.Inventory/Get',
      headers: [{ name: 'x-tenant', string_match: { safe_regex: { regex: 't-[0-9]+' } } }],
      grpc: {},
    });
    expect(r.route.retry_policy.retry_on).toBe('resource-exhausted,unavailable');
    expect(r.route.max_stream_duration).toEqual({ grpc_timeout_header_max: '20s' });
    expect(route(vh, 'inventory/all').match).toEqual({ prefix: '/inventory.v1.Inventory/', grpc: {} });
    const c = byName(platform['client/v1'].resources.clusters, 'outbound|50051|v1|inventory');
    expect(
      c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config,
    ).toEqual({
      http2_protocol_options: {},
    });
  });

  it('proxies TCP backends on their own local listener, retrying failed connects', () => {
    const l = byName(platform['client/v1'].resources.listeners, 'egress-tcp-cache-6379');
    expect(l.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 6379 });
    expect(l.filter_chains[0].filters[0].typed_config).toMatchObject({
      cluster: 'outbound|6379|v1|cache',
      max_connect_attempts: 3,
    });
    const inbound = byName(platform['cache/v1'].resources.listeners, 'ingress-6379').filter_chains[0].filters[0]
      .typed_config;
    expect(inbound).toMatchObject({ cluster: 'inbound|6379|v1|cache', idle_timeout: '600s' });
  });

  it('routes each port of a multi-port service, with the bare name on port 80', () => {
    const web = virtualHost(platform['client/v1'], 'egress-http', 'admin:80');
    expect(web.domains).toEqual(['admin', 'admin:80']);
    expect(route(web, 'admin/web').route.cluster).toBe('outbound|8080|v1|admin');
    const api = virtualHost(platform['client/v1'], 'egress-http', 'admin:8081');
    expect(api.domains).toEqual(['admin:8081']);
    expect(route(api, 'admin/api').match.headers).toEqual([
      { name: 'x-version', range_match: { start: '2', end: '5' } },
      { name: 'x-debug', present_match: true, invert_match: true },
    ]);
  });

  it("protects the application with its listener's health check and connection pool", () => {
    const { clusters, listeners } = platform['admin/v1'].resources;
    const app = byName(clusters, 'inbound|8080|v1|admin');
    expect(app.health_checks).toEqual([
      {
        timeout: '2s',
        interval: '10s',
        healthy_threshold: 3,
        unhealthy_threshold: 2,
        http_health_check: { path: '/ready' },
      },
    ]);
    expect(app.circuit_breakers.thresholds[0]).toMatchObject({ max_connections: 50, max_pending_requests: 10 });
    const inbound = listeners.filter((l) => l.name!.startsWith('ingress-'));
    expect(inbound.map((l) => [l.name, (l as Json).address.socket_address.port_value])).toEqual([
      ['ingress-8080', 15000],
      ['ingress-8081', 15002],
    ]);
    expect(
      byName(platform['inventory/v1'].resources.clusters, 'inbound|50051|v1|inventory').health_checks[0]
        .grpc_health_check,
    ).toEqual({});
  });

  it('reaches external services by DNS, originating TLS for https', () => {
    const { clusters } = platform['client/v1'].resources;
    const pay = byName(clusters, 'outbound|443||api.payments.example');
    expect(pay).toMatchObject({
      type: 'LOGICAL_DNS',
      transport_socket: { typed_config: { sni: 'api.payments.example' } },
    });
    expect(virtualHost(platform['client/v1'], 'egress-http', 'payments:api.payments.example').domains).toContain(
      'api.payments.example',
    );
    expect(
      byName(platform['client/v1'].resources.listeners, 'egress-tcp-ledger.db.example-5432').address.socket_address
        .port_value,
    ).toBe(5432);
  });

  it('lets unknown hosts through only when egress is ALLOW_ALL', () => {
    const vh = virtualHost(platform['client/v1'], 'egress-http', 'passthrough');
    expect(vh.domains).toEqual(['*']);
    expect(route(vh, 'passthrough').route.cluster).toBe('PassthroughCluster');
    const names = (s: Snapshot) =>
      (byName(s.resources.routes, 'egress-http').virtual_hosts as Json[]).map((v) => v.name);
    expect(names(shop['frontend/v1'])).not.toContain('passthrough');
  });

  it('writes the access log a version asks for', () => {
    const hcm = byName(platform['client/v1'].resources.listeners, 'egress-http').filter_chains[0].filters[0]
      .typed_config;
    expect(hcm.access_log[0].typed_config).toMatchObject({
      path: '/dev/stdout',
      log_format: { json_format: { method: '%REQ(:METHOD)%', status: '%RESPONSE_CODE%' } },
    });
  });
});
