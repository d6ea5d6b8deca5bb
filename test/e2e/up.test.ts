/**
 * `trellis up` end to end: the real CLI runs a fixture mesh (a gateway, a frontend, a catalog
 * canary, a flaky service behind retries, header routes) on ephemeral ports; traffic goes
 * through the gateway; the mesh file is edited while it runs; Ctrl-C leaves no process behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopAllProcesses } from '../support/child-process';
import { httpRequest, runLoad } from '../support/http-client';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait';
import { fixtureMesh, processTree, type RunningMesh, startMesh, survivors, writeMesh } from './up-harness';

jest.setTimeout(120_000);

let dir: string;
let meshFile: string;
let mesh: RunningMesh;

beforeAll(async () => {
  dir = tempDir('trellis-up-e2e-');
  meshFile = join(dir, 'mesh.yaml');
  writeMesh(meshFile, fixtureMesh());
  mesh = await startMesh(meshFile, dir, 'edge');
});

afterAll(async () => {
  await stopAllProcesses();
  removeTempDirs();
});

function versionsOf(bodies: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const b of bodies) {
    const { service, version } = JSON.parse(b) as { service: string; version: string };
    counts.set(`${service}/${version}`, (counts.get(`${service}/${version}`) ?? 0) + 1);
  }
  return counts;
}

test('prints what runs where, and a state file with every port', () => {
  const out = mesh.child.stdout();
  expect(out).toMatch(/SERVICE\s+VERSION\s+APP PORT\s+PROXY PORT\s+ADMIN PORT/);
  for (const name of ['frontend', 'catalog', 'reviews', 'android-api', 'ios-api', 'edge']) {
    expect(out).toMatch(new RegExp(`^${name}\\s`, 'm'));
  }
  expect(out).toMatch(/Dashboard: +http:\/\/127\.0\.0\.1:\d+\//);
  expect(out).toContain(`curl -H 'client: android' ${mesh.gateway}/mobile`);
  expect(mesh.state.proxies.map((p) => p.name).sort()).toEqual(
    ['android-api/v1', 'catalog/v1', 'catalog/v2', 'edge', 'frontend/v1', 'ios-api/v1', 'reviews/v1'].sort(),
  );
  // Every listener on its own port.
  const ports = mesh.state.proxies.flatMap((p) => [
    p.adminPort,
    ...Object.values(p.ingressPorts),
    ...Object.values(p.appPorts),
    ...Object.values(p.gatewayPorts),
  ]);
  expect(new Set(ports).size).toBe(ports.length);
});

test('routes by the Client header at the gateway', async () => {
  const android = await httpRequest(`${mesh.gateway}/mobile/home`, { headers: { client: 'Android/14' } });
  const ios = await httpRequest(`${mesh.gateway}/mobile/home`, { headers: { client: 'iOS 18' } });
  const none = await httpRequest(`${mesh.gateway}/mobile/home`);
  expect([android.status, ios.status, none.status]).toEqual([200, 200, 200]);
  expect(JSON.parse(android.body).service).toBe('android-api');
  expect(JSON.parse(ios.body).service).toBe('ios-api');
  // No client header: the catch-all route to the frontend.
  expect(JSON.parse(none.body).service).toBe('frontend');
});

test('splits the catalog 90/10 between v1 and v2', async () => {
  const r = await runLoad({
    origin: mesh.gateway,
    total: 1000,
    concurrency: 16,
    request: () => ({ path: '/catalog' }),
    keepBodies: true,
  });
  expect(r.errors).toEqual([]);
  expect(r.statuses.get(200)).toBe(1000);
  const counts = versionsOf(r.bodies);
  const v2 = counts.get('catalog/v2') ?? 0;
  expect((counts.get('catalog/v1') ?? 0) + v2).toBe(1000);
  // 10% of 1,000 has a standard deviation under 10: 50..150 is beyond any honest fluctuation.
  expect(v2).toBeGreaterThan(50);
  expect(v2).toBeLessThan(150);
});

test('retries hide the flaky service', async () => {
  // Two at a time: Envoy's retry circuit breaker (3 concurrent retries per cluster) stays out of it.
  const r = await runLoad({ origin: mesh.gateway, total: 300, concurrency: 2, request: () => ({ path: '/' }) });
  expect(r.errors).toEqual([]);
  // Each try fails 30% of the time; with 4 retries a request fails with p = 0.3^5 ≈ 0.24%.
  const ok = r.statuses.get(200) ?? 0;
  expect(ok).toBeGreaterThanOrEqual(294);
  // The failures really happened and were retried: the frontend's sidecar counted the retries.
  const admin = mesh.state.proxies.find((p) => p.name === 'frontend/v1')!.adminPort;
  const stats = await httpRequest(`http://127.0.0.1:${admin}/stats?filter=reviews`);
  const retries = Number(/outbound\|3000\|v1\|reviews\.upstream_rq_retry: (\d+)/.exec(stats.body)?.[1] ?? 0);
  expect(retries).toBeGreaterThan(30);
  // Without the retries about 30% would have failed.
  expect(retries).toBeGreaterThan(300 - ok);
});

test('an invalid edit is reported and the mesh keeps its last good config', async () => {
  writeMesh(meshFile, fixtureMesh().replace('weight: 90', 'weight: ninety'));
  const m = await mesh.child.waitForOutput(/not applied; the mesh keeps its last good config:\n\s+(.*)/, 20_000);
  expect(m[1]).toMatch(/mesh\.yaml:\d+:\d+: services\.catalog\.routes\[0\]\.targets\[0\]\.weight: /);
  const r = await runLoad({ origin: mesh.gateway, total: 100, concurrency: 8, request: () => ({ path: '/catalog' }) });
  expect(r.statuses.get(200)).toBe(100);
});

test('a weight change in the mesh file takes effect with no restart', async () => {
  const before = readFileSync(mesh.stateFile, 'utf8');
  writeMesh(meshFile, fixtureMesh([100, 0]));
  await mesh.child.waitForOutput(/mesh\.yaml reloaded; config pushed/, 20_000);
  // Proxies get the push within moments; wait until a whole batch sees v1 only, then check a big one.
  await waitFor(
    'every request on catalog/v1',
    async () => {
      const r = await runLoad({
        origin: mesh.gateway,
        total: 50,
        concurrency: 8,
        request: () => ({ path: '/catalog' }),
        keepBodies: true,
      });
      return versionsOf(r.bodies).get('catalog/v1') === 50;
    },
    20_000,
    200,
  );
  const r = await runLoad({
    origin: mesh.gateway,
    total: 500,
    concurrency: 16,
    request: () => ({ path: '/catalog' }),
    keepBodies: true,
  });
  expect(r.statuses.get(200)).toBe(500);
  expect(versionsOf(r.bodies).get('catalog/v1')).toBe(500);
  // Nothing restarted: the same processes run.
  const now = JSON.parse(readFileSync(mesh.stateFile, 'utf8'));
  expect(now.processes).toEqual(JSON.parse(before).processes);
});

test('Ctrl-C stops every process it started', async () => {
  const tree = processTree(mesh.child.pid);
  // The CLI, the reaper, 7 proxies, 6 shells and their 6 apps.
  expect(tree.pids.size).toBeGreaterThanOrEqual(1 + 1 + 7 + 6);
  for (const p of mesh.state.processes) expect(tree.pgids.has(p.pgid)).toBe(true);
  mesh.child.kill('SIGINT');
  const exit = await mesh.child.exited;
  expect(exit.code).toBe(0);
  await waitFor('every process of the mesh to be gone', () => survivors(tree).length === 0, 15_000, 100).catch(
    (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(survivors(tree))}`);
    },
  );
  expect(mesh.child.stderr()).toContain('trellis: stopped');
});
