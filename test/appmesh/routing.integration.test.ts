/**
 * The imported shop mesh, compiled and run: a frontend sidecar and the ingress gateway, each
 * a real Trellis proxy process on 127.0.0.1, in front of recording upstreams. Requests show
 * App Mesh's semantics held after the import: header and prefix matches, route priority over
 * file order, weighted targets, retries and per-retry timeouts, request timeouts, the
 * gateway's hostname match and prefix, path and hostname rewrites.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { staticBootstrap } from '../../lib/compiler/bootstrap';
import { compile } from '../../lib/compiler/compile';
import type { EndpointSet } from '../../lib/compiler/endpoints';
import { EGRESS_HTTP_LISTENER, gatewayListener } from '../../lib/compiler/names';
import { validateMesh } from '../../lib/model/validate';
import { cleanupAll } from '../support/cleanup';
import { httpRequest } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { tempDir } from '../support/temp-dir';
import { type HttpUpstream, type RecordedRequest, startUpstream, type UpstreamResponse } from '../support/upstream';
import { writeApiFiles } from './support/forms';
import { trellisImport } from './support/import-cli';
import { MESH, SHOP } from './support/shop-mesh';

let v1: HttpUpstream;
let v2: HttpUpstream;
let frontend: HttpUpstream;
let sidecar: ProxyHandle;
let gateway: ProxyHandle;
let egress: string;
let ingress: string;

/** Per path, how v1 answers: fail twice then succeed, hang, or hang once. */
const attempts = new Map<string, number>();
function catalogV1(req: RecordedRequest, res: UpstreamResponse): void {
  const n = (attempts.get(req.path) ?? 0) + 1;
  attempts.set(req.path, n);
  if (req.path.startsWith('/flaky/fail-twice') && n <= 2) {
    res.writeHead(503);
    res.end('try again');
    return;
  }
  if (req.path.startsWith('/flaky/hang-once') && n === 1) return; // never answers: the per-retry timeout fires
  if (req.path === '/slow') return; // never answers: the route's request timeout fires
  res.writeHead(200, { 'x-upstream': 'catalog-v1' });
  res.end(`catalog-v1 ${req.path}`);
}

beforeAll(async () => {
  const dir = tempDir('trellis-appmesh-routing-');
  mkdirSync(join(dir, 'in'));
  const imported = await trellisImport('appmesh', ...writeApiFiles(join(dir, 'in'), SHOP, MESH, 'describe'));
  expect(imported.code).toBe(0);
  // The shop mesh's TLS listener makes the import permissive mTLS (test/appmesh/import-forms);
  // this test is about routing, so it runs plaintext. mTLS itself is tested in test/security.
  expect(imported.mesh?.mtls).toEqual({ mode: 'permissive' });
  const { model, problems } = validateMesh({ ...imported.mesh!, mtls: { mode: 'disabled' } });
  expect(problems).toEqual([]);

  v1 = await startUpstream('catalog-v1', { handler: catalogV1 });
  v2 = await startUpstream('catalog-v2');
  frontend = await startUpstream('frontend');
  const at = (u: HttpUpstream) => [{ address: '127.0.0.1', port: u.port }];
  const endpoints: EndpointSet = {
    'catalog.shop.local/catalog-v1': at(v1),
    'catalog.shop.local/catalog-v2': at(v2),
    'frontend.shop.local/frontend': at(frontend),
  };
  const compiled = compile(model!, endpoints, {
    // Every listener on 127.0.0.1 and port 0; the test reads the bound ports from the admin API.
    placement: () => ({
      bindAddress: '127.0.0.1',
      egressPort: 0,
      ingressPorts: { 3000: 0 },
      tcpEgressPorts: { 'ledger.shop.local:5432': 0 },
      gatewayPorts: { 8000: 0, 8001: 0 },
    }),
  });
  expect(compiled.problems).toEqual([]);
  const boot = (proxy: string) => staticBootstrap(compiled.snapshots[proxy], { proxy, adminPort: 0 });
  [sidecar, gateway] = await Promise.all([
    startProxy({ config: boot('frontend.shop.local/frontend'), format: 'json' }),
    startProxy({ config: boot('ingress'), format: 'json' }),
  ]);
  egress = `http://127.0.0.1:${await sidecar.listenerPort(EGRESS_HTTP_LISTENER)}`;
  ingress = `http://127.0.0.1:${await gateway.listenerPort(gatewayListener(8000))}`;
}, 120_000);

afterAll(cleanupAll);

const catalog = (path: string, headers: Record<string, string> = {}) =>
  httpRequest(`${egress}${path}`, { headers: { host: 'catalog.shop.local:8080', ...headers } });

async function servedBy(
  n: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await catalog(path, headers);
    expect(r.status).toBe(200);
    const who = String(r.headers['x-upstream']);
    counts[who] = (counts[who] ?? 0) + 1;
  }
  return counts;
}

describe('the frontend sidecar routes catalog.shop.local as App Mesh did', () => {
  it('a header match at priority 10 wins over the catch-all written before it', async () => {
    expect(await servedBy(20, '/items', { 'x-client': 'android-14' })).toEqual({ 'catalog-v2': 20 });
  });

  it('a prefix match sends /beta to v2', async () => {
    expect(await servedBy(10, '/beta/new-items')).toEqual({ 'catalog-v2': 10 });
  });

  it('the weighted catch-all splits 50/50 between the versions', async () => {
    const counts = await servedBy(200, '/items');
    expect(counts['catalog-v1'] + counts['catalog-v2']).toBe(200);
    // Generous bounds: a 50/50 split over 200 requests lands well inside 25%–75%.
    expect(counts['catalog-v1']).toBeGreaterThan(50);
    expect(counts['catalog-v2']).toBeGreaterThan(50);
  });

  it('retries server errors up to maxRetries', async () => {
    const r = await catalog('/flaky/fail-twice');
    expect(r.status).toBe(200);
    expect(v1.requests.filter((q) => q.path === '/flaky/fail-twice')).toHaveLength(3);
  });

  it('retries an attempt that exceeds perRetryTimeout', async () => {
    const r = await catalog('/flaky/hang-once');
    expect(r.status).toBe(200);
    expect(r.body).toBe('catalog-v1 /flaky/hang-once');
    expect(v1.requests.filter((q) => q.path === '/flaky/hang-once')).toHaveLength(2);
  });

  it('answers 504 when the request timeout passes', async () => {
    const started = Date.now();
    const r = await catalog('/slow');
    expect(r.status).toBe(504);
    // The route's timeout is 700ms; the bounds are generous.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the ingress gateway routes as the virtual gateway did', () => {
  it('matches the hostname and rewrites the prefix and the Host header', async () => {
    const r = await httpRequest(`${ingress}/store/items?page=2`, { headers: { host: 'shop.example.com' } });
    expect(r.status).toBe(200);
    const seen = [...v1.requests, ...v2.requests].find((q) => q.path.startsWith('/catalog/items'));
    expect(seen?.path).toBe('/catalog/items?page=2');
    expect(seen?.headers.host).toMatch(/^catalog\.shop\.local(:8080)?$/);
  });

  it('another hostname falls through to the catch-all route, path unchanged', async () => {
    const before = frontend.requests.length;
    const r = await httpRequest(`${ingress}/store/items`, { headers: { host: 'other.example.org' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-upstream']).toBe('frontend');
    expect(frontend.requests.slice(before).map((q) => q.path)).toEqual(['/store/items']);
  });

  it('rewrites an exact path', async () => {
    const before = frontend.requests.length;
    const r = await httpRequest(`${ingress}/old`, { headers: { host: 'shop.example.com' } });
    expect(r.status).toBe(200);
    expect(frontend.requests.slice(before).map((q) => q.path)).toEqual(['/new']);
  });
});
