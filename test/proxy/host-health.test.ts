/**
 * Host health: outlier detection ejects a host after consecutive 5xx (even with the default
 * 10% max ejection, one host may always go) and returns it after the ejection time; active
 * HTTP health checks take a dead host out and bring it back when it answers again. The admin
 * API's `/clusters` shows the health flags.
 */
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { defaultHandler, startUpstream } from '../support/upstream';
import { sleep, waitFor } from '../support/wait';

afterAll(cleanupAll);

async function healthFlags(proxy: ProxyHandle, cluster: string, port: number): Promise<string> {
  const text = (await proxy.adminGet('/clusters')).body;
  const m = text.match(new RegExp(`^${cluster}::127\\.0\\.0\\.1:${port}::health_flags::(.*)$`, 'm'));
  return m ? m[1] : 'absent';
}

test('outlier detection ejects a failing host and returns it after the ejection time', async () => {
  const good = await startUpstream('good');
  const bad = await startUpstream('bad', {
    handler: (_q, res) => {
      res.writeHead(500);
      res.end('broken');
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [good.port, bad.port] },
      clusterOptions: {
        svc: { outlier_detection: { consecutive_5xx: 3, interval: '0.5s', base_ejection_time: '1s' } },
      },
    }),
  });
  const origin = await proxy.origin();
  for (let i = 0; i < 6; i++) await httpRequest(`${origin}/`);
  expect(bad.requests).toHaveLength(3);
  expect(await proxy.stat('cluster.svc.outlier_detection.ejections_active')).toBe(1);
  expect(await proxy.stat('cluster.svc.outlier_detection.ejections_enforced_total')).toBe(1);
  expect(await healthFlags(proxy, 'svc', bad.port)).toBe('/failed_outlier_check');
  for (let i = 0; i < 10; i++) expect((await httpRequest(`${origin}/`)).status).toBe(200);
  expect(bad.requests).toHaveLength(3);
  bad.setHandler(defaultHandler('bad'));
  await waitFor(
    'the host to be returned',
    async () => (await proxy.stat('cluster.svc.outlier_detection.ejections_active')) === 0,
    15_000,
  );
  expect(await healthFlags(proxy, 'svc', bad.port)).toBe('healthy');
  for (let i = 0; i < 6; i++) await httpRequest(`${origin}/`);
  expect(bad.requests.length).toBeGreaterThan(3);
});

test('active health checks remove a dead host and return it when it is back', async () => {
  const a = await startUpstream('a');
  let b = await startUpstream('b');
  const bPort = b.port;
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [a.port, bPort] },
      clusterOptions: {
        svc: {
          health_checks: [
            {
              timeout: '0.5s',
              interval: '0.2s',
              no_traffic_interval: '0.2s',
              unhealthy_threshold: 2,
              healthy_threshold: 2,
              http_health_check: { path: '/healthz' },
            },
          ],
        },
      },
    }),
  });
  const origin = await proxy.origin();
  // Both hosts passed their first check before the proxy became ready.
  expect(a.requests.some((r) => r.path === '/healthz' && r.headers['user-agent'] === 'Envoy/HC')).toBe(true);
  expect(await healthFlags(proxy, 'svc', bPort)).toBe('healthy');
  await b.close();
  await waitFor(
    'b marked unhealthy',
    async () => (await healthFlags(proxy, 'svc', bPort)) === '/failed_active_hc',
    15_000,
  );
  expect(await proxy.stat('cluster.svc.membership_healthy')).toBe(1);
  const before = a.requests.filter((r) => r.path === '/').length;
  for (let i = 0; i < 10; i++) expect((await httpRequest(`${origin}/`)).status).toBe(200);
  expect(a.requests.filter((r) => r.path === '/').length).toBe(before + 10);
  b = await startUpstream('b', { port: bPort });
  await waitFor('b healthy again', async () => (await healthFlags(proxy, 'svc', bPort)) === 'healthy', 15_000);
  await sleep(100);
  for (let i = 0; i < 10; i++) await httpRequest(`${origin}/`);
  expect(b.requests.filter((r) => r.path === '/').length).toBeGreaterThan(0);
  expect(await proxy.stat('cluster.svc.health_check.failure')).toBeGreaterThan(0);
});

test('a cluster whose only host fails its health check still warms; requests see no healthy upstream only when there are no hosts', async () => {
  const up = await startUpstream('unhealthy', {
    handler: (req, res) => {
      res.writeHead(req.path === '/healthz' ? 503 : 200);
      res.end();
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port], empty: [] },
      routes: [
        { match: { prefix: '/empty' }, route: { cluster: 'empty' } },
        { match: { prefix: '/' }, route: { cluster: 'svc' } },
      ],
      clusterOptions: {
        svc: {
          health_checks: [
            {
              timeout: '0.5s',
              interval: '0.2s',
              unhealthy_threshold: 1,
              healthy_threshold: 1,
              http_health_check: { path: '/healthz' },
            },
          ],
        },
      },
    }),
  });
  const origin = await proxy.origin();
  // Every host unhealthy: Envoy's panic mode sends traffic to all of them anyway.
  expect((await httpRequest(`${origin}/`)).status).toBe(200);
  expect(await proxy.stat('cluster.svc.lb_healthy_panic')).toBeGreaterThan(0);
  const r = await httpRequest(`${origin}/empty`);
  expect(r.status).toBe(503);
  expect(r.body).toBe('no healthy upstream');
});
