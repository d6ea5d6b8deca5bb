/**
 * Routing with a stock Envoy bootstrap (test/fixtures/envoy/front-proxy.yaml): virtual hosts
 * by authority (exact, port wildcard, suffix wildcard, default), route match by prefix, exact
 * path, RE2 regex, header (exact, range), query parameter and gRPC, rewrites, redirects,
 * direct responses and header changes, checked against what real upstreams received.
 */
import { cleanupAll } from '../support/cleanup';
import { loadFixture, onEphemeralPorts, setEndpoints } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { type HttpUpstream, startUpstream } from '../support/upstream';

let a: HttpUpstream;
let b: HttpUpstream;
let proxy: ProxyHandle;
let origin: string;

beforeAll(async () => {
  a = await startUpstream('a');
  b = await startUpstream('b');
  const doc = onEphemeralPorts(loadFixture('front-proxy.yaml'));
  setEndpoints(doc, 'service_a', [a.port]);
  setEndpoints(doc, 'service_b', [b.port]);
  proxy = await startProxy({ config: doc });
  origin = await proxy.origin('listener_http');
});

afterAll(cleanupAll);

async function servedBy(path: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const r = await httpRequest(`${origin}${path}`, { headers });
  return r.headers['x-upstream'] as string | undefined;
}

test('the default route goes to service_a with its host rewritten', async () => {
  const r = await httpRequest(`${origin}/anything?x=1`);
  expect(r.status).toBe(200);
  expect(r.headers['x-upstream']).toBe('a');
  const seen = a.requests.at(-1)!;
  expect(seen.path).toBe('/anything?x=1');
  expect(seen.headers.host).toBe('service-a.internal');
  expect(seen.headers['x-vhost']).toBe('backend');
  expect(r.headers['x-served-by']).toBe('front-proxy');
  expect(r.headers.server).toBe('envoy');
  expect(Number(r.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(0);
});

test('header matches: exact string_match and range_match', async () => {
  expect(await servedBy('/x', { 'x-canary': 'true' })).toBe('b');
  expect(await servedBy('/x', { 'x-canary': 'false' })).toBe('a');
  expect(await servedBy('/x', { 'x-version': '3' })).toBe('b');
  expect(await servedBy('/x', { 'x-version': '10' })).toBe('a');
  expect(await servedBy('/x', { 'x-version': 'three' })).toBe('a');
});

test('path matches: RE2 full match, exact path, query parameter', async () => {
  expect(await servedBy('/users/42/orders')).toBe('b');
  expect(await servedBy('/users/42/orders/7')).toBe('a');
  expect(await servedBy('/users/42/orders?page=2')).toBe('b');
  expect(await servedBy('/exact')).toBe('b');
  expect(await servedBy('/exact/more')).toBe('a');
  expect(await servedBy('/search?engine=b')).toBe('b');
  expect(await servedBy('/search?engine=a')).toBe('a');
});

test('prefix_rewrite and regex_rewrite change the forwarded path only', async () => {
  await httpRequest(`${origin}/service/b/items?id=3`);
  const seen = b.requests.at(-1)!;
  expect(seen.path).toBe('/items?id=3');
  expect(seen.headers['x-envoy-original-path']).toBe('/service/b/items?id=3');
  await httpRequest(`${origin}/static/css/site.css`);
  expect(a.requests.at(-1)!.path).toBe('/assets/css/site.css');
});

test('virtual hosts by authority: exact with any port, suffix wildcard', async () => {
  expect(await servedBy('/', { host: 'api.example.com' })).toBe('b');
  expect(await servedBy('/', { host: 'api.example.com:8443' })).toBe('b');
  expect(await servedBy('/cart', { host: 'eu.shop.example.com' })).toBe('b');
  expect(b.requests.at(-1)!.path).toBe('/shop/cart');
  expect(await servedBy('/', { host: 'other.example.com' })).toBe('a');
});

test('redirect and direct_response are answered by the proxy', async () => {
  const before = a.requests.length + b.requests.length;
  const r = await httpRequest(`${origin}/legacy?q=1`, { headers: { host: 'www.example.com' } });
  expect(r.status).toBe(302);
  expect(r.headers.location).toBe('http://www.example.com/new?q=1');
  const d = await httpRequest(`${origin}/health`);
  expect(d.status).toBe(200);
  expect(d.body).toBe('ok');
  expect(a.requests.length + b.requests.length).toBe(before);
});

test('gRPC requests match the grpc route', async () => {
  expect(await servedBy('/pkg.Service/Method', { 'content-type': 'application/grpc' })).toBe('b');
});

test('response_headers_to_remove strips an upstream header', async () => {
  a.setHandler((_req, res) => {
    res.writeHead(200, { 'x-internal-secret': 'nope', 'x-upstream': 'a' });
    res.end('hi');
  });
  const r = await httpRequest(`${origin}/secret`);
  expect(r.headers['x-internal-secret']).toBeUndefined();
  expect(r.body).toBe('hi');
});

test('request headers: x-request-id, x-forwarded-proto and a trace id are added', async () => {
  await httpRequest(`${origin}/ids`);
  const h = a.requests.at(-1)!.headers;
  expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(h['x-forwarded-proto']).toBe('http');
  expect(h['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  await httpRequest(`${origin}/ids`, {
    headers: { 'x-request-id': 'given-id', 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793' },
  });
  const h2 = a.requests.at(-1)!.headers;
  expect(h2['x-request-id']).toBe('given-id');
  expect(h2['x-amzn-trace-id']).toBe('Root=1-5759e988-bd862e3fe1be46a994272793');
});

test("the access log line uses Envoy's default format", async () => {
  await httpRequest(`${origin}/logged?a=b`, { headers: { 'user-agent': 'routing-test' } });
  await new Promise((r) => setTimeout(r, 200));
  expect(proxy.child.stdout()).toMatch(
    /\[\d{4}-\d\d-\d\dT[\d:.]+Z\] "GET \/logged\?a=b HTTP\/1\.1" 200 - 0 \d+ \d+ \d+ "-" "routing-test" "[0-9a-f-]{36}" "127\.0\.0\.1:\d+" "127\.0\.0\.1:\d+"/,
  );
});

test('no matching route is a 404 with response flag NR', async () => {
  const doc = onEphemeralPorts(loadFixture('front-proxy.yaml'));
  setEndpoints(doc, 'service_a', [a.port]);
  setEndpoints(doc, 'service_b', [b.port]);
  // Keep only the api virtual host: other authorities have no route.
  const rc = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config;
  rc.virtual_hosts = rc.virtual_hosts.slice(0, 1);
  const p = await startProxy({ config: doc });
  const r = await httpRequest(`${await p.origin()}/x`, { headers: { host: 'nowhere.example.com' } });
  expect(r.status).toBe(404);
  expect(await p.stat('http.ingress_http.no_route')).toBe(1);
  await new Promise((r) => setTimeout(r, 200));
  expect(p.child.stdout()).toMatch(/"GET \/x HTTP\/1\.1" 404 NR /);
  await p.stop();
});
