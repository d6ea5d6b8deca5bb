/**
 * The dashboard in a real browser (Debian's headless Chromium through playwright-core): the
 * service map shows the fixture mesh's services, versions and edges, and its numbers move
 * while traffic flows through the gateway. A screenshot is kept as a test artifact.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { fixtureMesh, type RunningMesh, startMesh, writeMesh } from '../e2e/up-harness';
import { stopAllProcesses } from '../support/child-process';
import { runLoad } from '../support/http-client';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

let mesh: RunningMesh;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const dir = tempDir('trellis-dashboard-');
  const meshFile = join(dir, 'mesh.yaml');
  writeMesh(meshFile, fixtureMesh());
  mesh = await startMesh(meshFile, dir, 'edge');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await stopAllProcesses();
  removeTempDirs();
});

const edgeNumber = (edge: string, attr: 'data-rps' | 'data-p99') =>
  page.$eval(`[data-edge="${edge}"] [${attr}]`, (e, a) => Number(e.getAttribute(a) || 'NaN'), attr);

test('the map shows every service, version and edge of the mesh', async () => {
  await page.goto(mesh.state.dashboard);
  await page.waitForSelector('[data-node="catalog/v2"]', { timeout: 20_000 });
  const nodes = await page.$$eval('[data-node]', (els) => els.map((e) => e.getAttribute('data-node')).sort());
  expect(nodes).toEqual(
    ['android-api/v1', 'catalog/v1', 'catalog/v2', 'clients', 'edge', 'frontend/v1', 'ios-api/v1', 'reviews/v1'].sort(),
  );
  const services = await page.$$eval('[data-service]', (els) => els.map((e) => e.getAttribute('data-service')).sort());
  expect(services).toEqual(['android-api', 'catalog', 'frontend', 'ios-api', 'reviews']);
  const edges = await page.$$eval('[data-edge]', (els) => els.map((e) => e.getAttribute('data-edge')));
  expect(edges).toEqual(
    expect.arrayContaining([
      'clients->edge',
      'edge->frontend/v1',
      'edge->catalog/v1',
      'edge->catalog/v2',
      'edge->android-api/v1',
      'edge->ios-api/v1',
      'frontend/v1->reviews/v1',
      'frontend/v1->catalog/v1',
    ]),
  );
  // The canary's weights label its edges.
  expect(await page.textContent('[data-edge="edge->catalog/v2"]')).toContain('10%');
  // The tables: routes, proxies ACKed, endpoints healthy.
  expect(await page.textContent('#routes')).toContain('catalog/v1 90%, catalog/v2 10%');
  await waitFor('every proxy ACKED', async () => {
    const states = await page.$$eval('#proxies tbody tr td:nth-child(3)', (tds) => tds.map((t) => t.textContent));
    return states.length === 7 && states.every((s) => s === 'ACKED');
  });
  const health = await page.$$eval('#endpoints tbody tr td:nth-child(5)', (tds) => tds.map((t) => t.textContent));
  expect(health).toEqual(Array(6).fill('HEALTHY'));
});

test('edge numbers move while traffic flows, and a screenshot is written', async () => {
  expect(await edgeNumber('edge->catalog/v1', 'data-rps')).toBe(0);
  // Traffic for ~6 s: the catalog canary through the gateway, the frontend calling reviews.
  const deadline = Date.now() + 6000;
  const load = (async () => {
    while (Date.now() < deadline) {
      await runLoad({
        origin: mesh.gateway,
        total: 40,
        concurrency: 2,
        request: (i) => ({ path: i % 2 ? '/catalog' : '/' }),
      });
    }
  })();
  await waitFor(
    'the map to show traffic on the catalog and reviews edges',
    async () =>
      (await edgeNumber('edge->catalog/v1', 'data-rps')) > 0 &&
      (await edgeNumber('frontend/v1->reviews/v1', 'data-rps')) > 0 &&
      (await edgeNumber('clients->edge', 'data-rps')) > 0,
    20_000,
    250,
  );
  const first = await edgeNumber('clients->edge', 'data-rps');
  await waitFor(
    'a later reading to differ',
    async () => (await edgeNumber('clients->edge', 'data-rps')) !== first,
    10_000,
    250,
  );
  await load;
  await waitFor(
    'a p99 on the catalog edge',
    async () => (await edgeNumber('edge->catalog/v1', 'data-p99')) > 0,
    10_000,
    250,
  );
  // The flaky service's failures show on its edge as attempts that failed.
  const reviewsErrors = await page.$eval('[data-edge="frontend/v1->reviews/v1"] [data-error-rate]', (e) =>
    Number(e.getAttribute('data-error-rate')),
  );
  expect(reviewsErrors).toBeGreaterThan(0);

  const dir = process.env.TRELLIS_ARTIFACTS_DIR ?? join(tmpdir(), 'trellis-artifacts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'dashboard.png');
  await page.screenshot({ path: file, fullPage: true });
  process.stdout.write(`dashboard screenshot: ${file}\n`);
});
