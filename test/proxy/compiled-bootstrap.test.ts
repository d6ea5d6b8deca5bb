/**
 * The proxy runs the compiler's output unchanged: `trellis compile --envoy-bootstrap` on a
 * fixture mesh (static resources), and the compiler's snapshots served over ADS by lib/xds.
 * Real upstreams stand in for every service version; the checks are the mesh file's routes:
 * header match, a 90/10 canary, prefix and host rewrite, body-based routing, query match.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { compile } from '../../lib/compiler/compile';
import type { EndpointSet } from '../../lib/compiler/endpoints';
import { loadMeshFile } from '../../lib/model/load';
import { SnapshotCache, XdsServer } from '../../lib/xds';
import { spawnChild } from '../support/child-process';
import { cleanupAll } from '../support/cleanup';
import type { Doc } from '../support/envoy-config';
import { httpRequest, runLoad } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { REPO_ROOT } from '../support/proxy-bundle';
import { tempDir } from '../support/temp-dir';
import { type HttpUpstream, startUpstream } from '../support/upstream';

const MESH = join(REPO_ROOT, 'test', 'fixtures', 'meshes', 'routing.yaml');
const servers: XdsServer[] = [];

afterAll(async () => {
  await cleanupAll();
  for (const s of servers) await s.close();
});

/** One upstream per service version frontend/v1 talks to, keyed `<service>/<version>`. */
async function meshUpstreams(): Promise<Record<string, HttpUpstream>> {
  const names = [
    'api/v1',
    'android-api/v1',
    'ios-api/v1',
    'catalog/v1',
    'catalog/v2',
    'orders/standard',
    'orders/priority',
    'frontend/v1',
  ];
  const ups = await Promise.all(names.map((n) => startUpstream(n)));
  return Object.fromEntries(names.map((n, i) => [n, ups[i]]));
}

function endpointSet(ups: Record<string, HttpUpstream>): EndpointSet {
  return Object.fromEntries(Object.entries(ups).map(([n, u]) => [n, [{ address: '127.0.0.1', port: u.port }]]));
}

async function trellis(...args: string[]): Promise<string> {
  const child = spawnChild(process.execPath, [join(REPO_ROOT, 'bin', 'trellis.js'), ...args], { cwd: REPO_ROOT });
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`trellis ${args.join(' ')} exited ${code}:\n${child.stdout()}\n${child.stderr()}`);
  return child.stdout();
}

/** The upstream that answered (the default handler names itself) and what it saw. */
async function via(
  origin: string,
  host: string,
  path = '/',
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const r = await httpRequest(`${origin}${path}`, { ...opts, headers: { host, ...opts.headers } });
  return { status: r.status, upstream: r.status === 200 ? (JSON.parse(r.body).upstream as string) : undefined };
}

/** The routes of test/fixtures/meshes/routing.yaml, as frontend/v1's egress sees them. */
async function checkEgressRouting(proxy: ProxyHandle, ups: Record<string, HttpUpstream>): Promise<void> {
  const origin = await proxy.origin('egress-http');
  expect(await via(origin, 'api', '/', { headers: { client: 'Android' } })).toEqual({
    status: 200,
    upstream: 'android-api/v1',
  });
  expect(await via(origin, 'api:8080', '/', { headers: { client: 'iOS' } })).toEqual({
    status: 200,
    upstream: 'ios-api/v1',
  });
  expect(await via(origin, 'api', '/')).toEqual({ status: 200, upstream: 'api/v1' });

  // legacy-path: prefix and host rewritten.
  expect(await via(origin, 'orders', '/v1/orders/7')).toEqual({ status: 200, upstream: 'orders/standard' });
  const seen = ups['orders/standard'].requests.at(-1)!;
  expect(seen.path).toBe('/orders/7');
  expect(seen.headers.host).toBe('orders.internal');
  // gold-customers: the JSON body decides, and reaches the upstream intact.
  const gold = JSON.stringify({ customer: { tier: 'gold' }, items: [1, 2] });
  const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });
  expect(await via(origin, 'orders', '/orders', post(gold))).toEqual({ status: 200, upstream: 'orders/priority' });
  expect(ups['orders/priority'].requests.at(-1)!.body.toString()).toBe(gold);
  const silver = JSON.stringify({ customer: { tier: 'silver' } });
  expect(await via(origin, 'orders', '/orders', post(silver))).toEqual({ status: 200, upstream: 'orders/standard' });
  expect(await via(origin, 'orders', '/anything?debug')).toEqual({ status: 200, upstream: 'orders/standard' });
  // No virtual host for an unknown service: Envoy's 404.
  expect((await via(origin, 'nowhere', '/')).status).toBe(404);

  // The 90/10 canary, within ±3 points over 2,000 requests.
  const load = await runLoad({
    origin,
    total: 2000,
    concurrency: 20,
    keepBodies: true,
    request: () => ({ path: '/', headers: { host: 'catalog' } }),
  });
  expect(load.errors).toEqual([]);
  const v2 = load.bodies.filter((b) => JSON.parse(b).upstream === 'catalog/v2').length;
  const v1 = load.bodies.filter((b) => JSON.parse(b).upstream === 'catalog/v1').length;
  expect(v1 + v2).toBe(2000);
  expect(Math.abs(v2 / 2000 - 0.1)).toBeLessThan(0.03);
}

test('trellis compile --envoy-bootstrap: the proxy runs the printed bootstrap and routes as the mesh says', async () => {
  const ups = await meshUpstreams();
  const dir = tempDir('trellis-compiled-');
  const endpoints = join(dir, 'endpoints.yaml');
  writeFileSync(endpoints, stringify(endpointSet(ups)));
  const bootstrap: Doc = JSON.parse(
    await trellis('compile', MESH, '--proxy', 'frontend/v1', '--envoy-bootstrap', '--endpoints', endpoints),
  );
  // The one change: where things bind. A test may listen only on 127.0.0.1, port 0; the CLI
  // prints App Mesh's ECS ports (0.0.0.0:15000/15001, admin 9901).
  expect(bootstrap.static_resources.listeners.map((l: Doc) => l.address.socket_address)).toEqual([
    { address: '0.0.0.0', port_value: 15001 },
    { address: '0.0.0.0', port_value: 15000 },
  ]);
  for (const l of bootstrap.static_resources.listeners)
    l.address.socket_address = { address: '127.0.0.1', port_value: 0 };
  bootstrap.admin.address.socket_address.port_value = 0;

  const proxy = await startProxy({ config: bootstrap, format: 'json', dir });
  expect(proxy.output()).not.toMatch(/ignoring unsupported fields/);
  await checkEgressRouting(proxy, ups);
  const info = JSON.parse((await proxy.adminGet('/server_info')).body);
  expect(info.node.id).toBe('frontend/v1');
});

test("the compiler's snapshots over ADS from lib/xds: ingress to the app, egress by the mesh's routes", async () => {
  const ups = await meshUpstreams();
  const loaded = await loadMeshFile(MESH);
  expect(loaded.problems).toEqual([]);
  // Placement is the compiler's own option for where a sidecar binds and finds its app.
  const app = ups['frontend/v1'];
  const { snapshots, problems } = compile(loaded.model!, endpointSet(ups), {
    placement: () => ({
      bindAddress: '127.0.0.1',
      ingressPorts: { 8080: 0 },
      egressPort: 0,
      appPorts: { 8080: app.port },
    }),
  });
  expect(problems).toEqual([]);
  const cache = new SnapshotCache();
  cache.setSnapshots(snapshots);
  const xds = new XdsServer(cache);
  servers.push(xds);
  const xdsPort = await xds.listen(0, '127.0.0.1');

  // The ADS bootstrap as the CLI prints it; only the admin port moves to 0.
  const bootstrap: Doc = JSON.parse(
    await trellis('compile', MESH, '--proxy', 'frontend/v1', '--envoy-bootstrap', '--xds', `127.0.0.1:${xdsPort}`),
  );
  bootstrap.admin.address.socket_address.port_value = 0;
  const proxy = await startProxy({ config: bootstrap, format: 'json' });
  expect(proxy.output()).not.toMatch(/ignoring unsupported fields/);

  const ingress = await proxy.origin('ingress-8080');
  const r = await httpRequest(`${ingress}/hello`);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({ upstream: 'frontend/v1', method: 'GET', path: '/hello' });
  await checkEgressRouting(proxy, ups);
  expect(await proxy.stat('listener_manager.lds.update_rejected')).toBe(0);
  expect(await proxy.stat('cluster_manager.cds.update_rejected')).toBe(0);
});
