/**
 * Circuit breakers: past `max_connections` + `max_pending_requests`, or `max_requests`, the
 * proxy answers 503 at once with `x-envoy-overloaded: true` and counts the overflow; retries
 * beyond `max_retries` are not made and are counted too.
 */
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest, runLoad } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream, type UpstreamResponse } from '../support/upstream';
import { waitFor } from '../support/wait';

afterAll(cleanupAll);

/** An upstream that holds every response until released. */
async function gatedUpstream(name: string) {
  const held: UpstreamResponse[] = [];
  const up = await startUpstream(name, { handler: (_q, res) => void held.push(res) });
  const release = () => {
    for (const r of held.splice(0)) {
      r.writeHead(200);
      r.end('released');
    }
  };
  return { up, held, release };
}

test('max_connections 1 and max_pending_requests 1: the third concurrent request overflows', async () => {
  const { up, release } = await gatedUpstream('gated');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      clusterOptions: { svc: { circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1 }] } } },
    }),
  });
  const origin = await proxy.origin();
  const first = httpRequest(`${origin}/1`);
  await waitFor('the first request upstream', () => up.requests.length === 1);
  const second = httpRequest(`${origin}/2`);
  await waitFor(
    'the second request pending',
    async () => (await proxy.stat('cluster.svc.upstream_rq_pending_active')) === 1,
  );
  const t0 = performance.now();
  const overflowed = await Promise.all([3, 4, 5].map((i) => httpRequest(`${origin}/${i}`)));
  expect(performance.now() - t0).toBeLessThan(2000);
  for (const r of overflowed) {
    expect(r.status).toBe(503);
    expect(r.headers['x-envoy-overloaded']).toBe('true');
  }
  release();
  await waitFor('the pending request upstream', () => up.requests.length === 2);
  release();
  expect((await first).status).toBe(200);
  expect((await second).status).toBe(200);
  expect(await proxy.stat('cluster.svc.upstream_rq_pending_overflow')).toBe(3);
  expect(await proxy.stat('cluster.svc.upstream_cx_overflow')).toBeGreaterThanOrEqual(1);
  expect(await proxy.stat('cluster.svc.upstream_cx_total')).toBe(1);
});

test('max_requests: active requests beyond the limit overflow', async () => {
  const { up, release } = await gatedUpstream('gated-rq');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      clusterOptions: { svc: { circuit_breakers: { thresholds: [{ max_requests: 2 }] } } },
    }),
  });
  const origin = await proxy.origin();
  const inFlight = [httpRequest(`${origin}/a`), httpRequest(`${origin}/b`)];
  await waitFor('two requests upstream', () => up.requests.length === 2);
  expect(await proxy.stat('cluster.svc.circuit_breakers.default.rq_open')).toBe(1);
  const r = await httpRequest(`${origin}/c`);
  expect(r.status).toBe(503);
  expect(r.headers['x-envoy-overloaded']).toBe('true');
  release();
  for (const p of inFlight) expect((await p).status).toBe(200);
  expect(await proxy.stat('cluster.svc.upstream_rq_pending_overflow')).toBe(1);
});

test('max_retries: retries beyond the limit are not made and are counted', async () => {
  const up = await startUpstream('fails', {
    handler: (_q, res) => {
      setTimeout(() => {
        res.writeHead(503);
        res.end();
      }, 50);
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [
        { match: { prefix: '/' }, route: { cluster: 'svc', retry_policy: { retry_on: '5xx', num_retries: 1 } } },
      ],
      clusterOptions: { svc: { circuit_breakers: { thresholds: [{ max_retries: 1 }] } } },
    }),
  });
  const result = await runLoad({ origin: await proxy.origin(), total: 20, concurrency: 10, ok: [503] });
  expect(result.errors).toEqual([]);
  const overflow = await proxy.stat('cluster.svc.upstream_rq_retry_overflow');
  const retried = await proxy.stat('cluster.svc.upstream_rq_retry');
  expect(overflow).toBeGreaterThan(0);
  expect(retried + overflow).toBe(20);
  // With every upstream failing, load stays within the retry budget: requests + retries.
  expect(up.requests.length).toBe(20 + retried);
});
