/**
 * The admin API on its own port, with Envoy's paths and formats: readiness only after the
 * first complete config (RELIABILITY.md F.32), /server_info's LIVE state (what App Mesh task
 * health checks grep for), stats as text, JSON and Prometheus with Envoy's names, /clusters,
 * /config_dump, health check fail/ok, /drain_listeners and /quitquitquit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap, loadFixture, onEphemeralPorts } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { tempDir } from '../support/temp-dir';
import { startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { discoveryResponse, httpListener, staticCluster, writeAtomic } from '../support/xds-files';

afterAll(cleanupAll);

test('not ready, and no listener, until the first complete config', async () => {
  const up = await startUpstream('app');
  const dir = tempDir('trellis-admin-');
  const bootstrap = join(dir, 'envoy.yaml');
  writeFileSync(bootstrap, stringify(onEphemeralPorts(loadFixture('dynamic-files.yaml'))));
  // CDS is there, LDS is not yet: the server stays INITIALIZING.
  writeAtomic(join(dir, 'cds.yaml'), discoveryResponse('c1', [staticCluster('app', [up.port])]));
  const proxy = await startProxy({ config: bootstrap, dir, waitReady: false });
  const ready = await proxy.adminGet('/ready');
  expect(ready).toEqual({ status: 503, body: 'INITIALIZING\n' });
  expect(JSON.parse((await proxy.adminGet('/server_info')).body).state).toBe('INITIALIZING');
  expect(JSON.parse((await proxy.adminGet('/listeners?format=json')).body).listener_statuses ?? []).toEqual([]);

  writeAtomic(join(dir, 'lds.yaml'), discoveryResponse('l1', [httpListener('ingress', { app: 1 })]));
  await waitFor('ready', async () => (await proxy.adminGet('/ready')).status === 200);
  expect(JSON.parse((await proxy.adminGet('/server_info')).body).state).toBe('LIVE');
  expect((await httpRequest(`${await proxy.origin('ingress')}/`)).status).toBe(200);
});

test('stats, clusters and config_dump in Envoy formats', async () => {
  const up = await startUpstream('app', {
    handler: (req, res) => {
      res.writeHead(req.path === '/fail' ? 503 : 200);
      res.end('x');
    },
  });
  const proxy = await startProxy({ config: httpBootstrap({ clusters: { app: [up.port] } }) });
  const origin = await proxy.origin();
  for (let i = 0; i < 3; i++) await httpRequest(`${origin}/`);
  await httpRequest(`${origin}/fail`);

  const text = (await proxy.adminGet('/stats')).body;
  expect(text).toMatch(/^cluster\.app\.upstream_rq_total: 4$/m);
  expect(text).toMatch(/^cluster\.app\.upstream_rq_200: 3$/m);
  expect(text).toMatch(/^cluster\.app\.upstream_rq_503: 1$/m);
  expect(text).toMatch(/^cluster\.app\.upstream_rq_5xx: 1$/m);
  expect(text).toMatch(/^http\.ingress\.downstream_rq_total: 4$/m);
  expect(text).toMatch(/^cluster\.app\.upstream_rq_time: P0\(/m);

  const stats = await proxy.stats();
  expect(stats.get('cluster.app.upstream_cx_active')).toBe(1);
  const json = JSON.parse((await proxy.adminGet('/stats?format=json')).body);
  const histograms = json.stats.find((s: { histograms?: unknown }) => s.histograms)?.histograms;
  expect(histograms.computed_quantiles.some((q: { name: string }) => q.name === 'cluster.app.upstream_rq_time')).toBe(
    true,
  );

  const prom = (await proxy.adminGet('/stats/prometheus')).body;
  expect(prom).toMatch(/^# TYPE envoy_cluster_upstream_rq_total counter$/m);
  expect(prom).toMatch(/^envoy_cluster_upstream_rq_total\{envoy_cluster_name="app"\} 4$/m);
  expect(prom).toMatch(/^envoy_cluster_upstream_rq\{envoy_response_code="503",envoy_cluster_name="app"\} 1$/m);
  expect(prom).toMatch(/^# TYPE envoy_cluster_upstream_rq_time histogram$/m);
  expect(prom).toMatch(/^envoy_cluster_upstream_rq_time_count\{envoy_cluster_name="app"\} 4$/m);

  const clusters = (await proxy.adminGet('/clusters')).body;
  expect(clusters).toContain(`app::127.0.0.1:${up.port}::health_flags::healthy`);
  expect(clusters).toContain(`app::127.0.0.1:${up.port}::rq_success::3`);
  const cj = JSON.parse((await proxy.adminGet('/clusters?format=json')).body);
  expect(cj.cluster_statuses[0].name).toBe('app');

  const dump = JSON.parse((await proxy.adminGet('/config_dump')).body);
  const types = dump.configs.map((c: { '@type': string }) => c['@type'].replace(/^.*\./, ''));
  expect(types).toEqual(expect.arrayContaining(['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump']));
  expect(JSON.stringify(dump)).toContain(`"port_value":${up.port}`);
});

test('healthcheck/fail and /ok flip readiness; GET on a mutating endpoint is refused', async () => {
  const up = await startUpstream('app');
  const proxy = await startProxy({ config: httpBootstrap({ clusters: { app: [up.port] } }) });
  expect((await proxy.adminGet('/healthcheck/fail')).status).toBe(405);
  expect((await proxy.adminPost('/healthcheck/fail')).status).toBe(200);
  expect(await proxy.adminGet('/ready')).toEqual({ status: 503, body: 'DRAINING\n' });
  // Traffic still flows: failing health checks only takes the task out of rotation.
  expect((await httpRequest(`${await proxy.origin()}/`)).status).toBe(200);
  expect((await proxy.adminPost('/healthcheck/ok')).status).toBe(200);
  expect((await proxy.adminGet('/ready')).status).toBe(200);
});

test('/drain_listeners stops accepting; /quitquitquit exits 0', async () => {
  const up = await startUpstream('app');
  const proxy = await startProxy({ config: httpBootstrap({ clusters: { app: [up.port] } }) });
  const origin = await proxy.origin();
  expect((await httpRequest(`${origin}/`, { fresh: true })).status).toBe(200);
  expect((await proxy.adminPost('/drain_listeners')).status).toBe(200);
  await waitFor('the listener closed', async () => {
    try {
      await httpRequest(`${origin}/`, { fresh: true });
      return false;
    } catch (e) {
      return /ECONNREFUSED/.test(`${(e as NodeJS.ErrnoException).code} ${(e as Error).message}`);
    }
  });
  expect((await proxy.adminGet('/ready')).status).toBe(503);
  expect((await proxy.adminPost('/quitquitquit')).status).toBe(200);
  expect(await proxy.child.exited).toEqual({ code: 0, signal: null });
});
