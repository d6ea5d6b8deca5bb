/**
 * `weighted_clusters`: a 70/30 split holds within ±3% over 10,000 requests, and each cluster's
 * per-cluster header changes apply only to its share.
 */
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { failures, runLoad } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream } from '../support/upstream';

afterAll(cleanupAll);

test('a 70/30 weighted split stays within 3% over 10,000 requests', async () => {
  const v1 = await startUpstream('v1');
  const v2 = await startUpstream('v2');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { v1: [v1.port], v2: [v2.port] },
      routes: [
        {
          match: { prefix: '/' },
          route: {
            weighted_clusters: {
              clusters: [
                { name: 'v1', weight: 70, request_headers_to_add: [{ header: { key: 'x-split', value: 'v1' } }] },
                { name: 'v2', weight: 30, request_headers_to_add: [{ header: { key: 'x-split', value: 'v2' } }] },
              ],
            },
          },
        },
      ],
    }),
  });
  const result = await runLoad({ origin: await proxy.origin(), total: 10_000, concurrency: 50 });
  expect(failures(result)).toBe(0);
  const n1 = v1.requests.length;
  const n2 = v2.requests.length;
  expect(n1 + n2).toBe(10_000);
  expect(Math.abs(n1 / 10_000 - 0.7)).toBeLessThanOrEqual(0.03);
  expect(v1.requests.every((r) => r.headers['x-split'] === 'v1')).toBe(true);
  expect(v2.requests.every((r) => r.headers['x-split'] === 'v2')).toBe(true);
  expect(await proxy.stat('cluster.v1.upstream_rq_200')).toBe(n1);
  expect(await proxy.stat('cluster.v2.upstream_rq_2xx')).toBe(n2);
  expect(await proxy.stat('http.ingress.downstream_rq_2xx')).toBe(10_000);
}, 120_000);
