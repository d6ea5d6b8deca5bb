/**
 * CloudWatch Embedded Metric Format from the proxy (`--emf-interval-s`, or
 * TRELLIS_EMF_INTERVAL_S): per cluster and interval, request count, status classes and p50/p99
 * response time, with Service Connect's names; documents parsed from the proxy's stdout.
 */
import { cleanupAll } from '../support/cleanup';
import { parseEmf } from '../support/emf';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';

afterAll(cleanupAll);

function sum(metrics: ReturnType<typeof parseEmf>, name: string, cluster: string): number {
  return metrics
    .filter((m) => m.name === name && m.dimensions.TargetDiscoveryName === cluster)
    .reduce((n, m) => n + m.value, 0);
}

test('per-cluster requests, status classes and latency percentiles as EMF lines', async () => {
  const a = await startUpstream('a', {
    handler: (req, res) => {
      setTimeout(
        () => {
          res.writeHead(req.path === '/fail' ? 503 : 200);
          res.end('x');
        },
        req.path === '/slow' ? 200 : 0,
      );
    },
  });
  const b = await startUpstream('b');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { a: [a.port], b: [b.port] },
      routes: [
        { match: { prefix: '/b' }, route: { cluster: 'b' } },
        { match: { prefix: '/' }, route: { cluster: 'a' } },
      ],
    }),
    args: ['--emf-interval-s', '0.5', '--emf-namespace', 'Shop/Mesh'],
  });
  const origin = await proxy.origin();
  for (let i = 0; i < 8; i++) await httpRequest(`${origin}/`);
  for (let i = 0; i < 2; i++) await httpRequest(`${origin}/slow`);
  for (let i = 0; i < 3; i++) await httpRequest(`${origin}/fail`);
  for (let i = 0; i < 5; i++) await httpRequest(`${origin}/b`);

  const metrics = await waitFor('every request counted', () => {
    const m = parseEmf(proxy.child.stdout());
    return sum(m, 'RequestCount', 'a') === 13 && sum(m, 'RequestCount', 'b') === 5 ? m : undefined;
  });
  expect(sum(metrics, 'HTTPCode_Target_2XX_Count', 'a')).toBe(10);
  expect(sum(metrics, 'HTTPCode_Target_5XX_Count', 'a')).toBe(3);
  expect(sum(metrics, 'HTTPCode_Target_4XX_Count', 'a')).toBe(0);
  expect(sum(metrics, 'HTTPCode_Target_2XX_Count', 'b')).toBe(5);
  for (const m of metrics) {
    expect(m.namespace).toBe('Shop/Mesh');
    expect(m.dimensions.DiscoveryName).toBe('test-cluster');
  }
  const p99 = metrics.filter((m) => m.name === 'TargetResponseTime_p99' && m.dimensions.TargetDiscoveryName === 'a');
  expect(p99.length).toBeGreaterThan(0);
  expect(p99.every((m) => m.unit === 'Milliseconds')).toBe(true);
  // Two of a's thirteen requests took 200 ms: the worst p99 of the intervals shows them.
  expect(Math.max(...p99.map((m) => m.value))).toBeGreaterThanOrEqual(150);
  // Idle intervals write nothing.
  const lines = proxy.child
    .stdout()
    .split('\n')
    .filter((l) => l.includes('CloudWatchMetrics')).length;
  await new Promise((r) => setTimeout(r, 1200));
  expect(
    proxy.child
      .stdout()
      .split('\n')
      .filter((l) => l.includes('CloudWatchMetrics')).length,
  ).toBe(lines);
});

test('TRELLIS_EMF_INTERVAL_S turns it on; without it there are no EMF lines', async () => {
  const up = await startUpstream('app');
  const on = await startProxy({
    config: httpBootstrap({ clusters: { app: [up.port] } }),
    env: { TRELLIS_EMF_INTERVAL_S: '0.3' },
  });
  await httpRequest(`${await on.origin()}/`);
  const m = await waitFor('a document', () => {
    const found = parseEmf(on.child.stdout());
    return found.length ? found : undefined;
  });
  expect(m[0].namespace).toBe('Trellis/Proxy');
  expect(sum(m, 'RequestCount', 'app')).toBe(1);

  const off = await startProxy({ config: httpBootstrap({ clusters: { app: [up.port] } }) });
  await httpRequest(`${await off.origin()}/`);
  await new Promise((r) => setTimeout(r, 800));
  expect(parseEmf(off.child.stdout())).toEqual([]);
});
