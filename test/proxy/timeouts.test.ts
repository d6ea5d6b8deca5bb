/**
 * Timeouts: the route timeout and the per-try timeout answer 504 on time (bounds are generous:
 * the machine is small and shared), a per-try timeout is retried, and internal callers may
 * set `x-envoy-upstream-rq-timeout-ms`. The upstream learns its budget from
 * `x-envoy-expected-rq-timeout-ms`.
 */
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream, type UpstreamResponse } from '../support/upstream';

afterAll(cleanupAll);

const hanging: UpstreamResponse[] = [];
afterAll(() => {
  for (const r of hanging) r.destroy();
});

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

test('a hanging upstream gets 504 at the route timeout', async () => {
  const up = await startUpstream('hang', { handler: (_q, res) => void hanging.push(res) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'svc', timeout: '0.5s' } }],
    }),
  });
  const [r, ms] = await timed(async () => httpRequest(`${await proxy.origin()}/slow`));
  expect(r.status).toBe(504);
  expect(r.body).toBe('upstream request timeout');
  expect(ms).toBeGreaterThanOrEqual(450);
  expect(ms).toBeLessThan(3000);
  expect(up.requests[0].headers['x-envoy-expected-rq-timeout-ms']).toBe('500');
  expect(await proxy.stat('cluster.svc.upstream_rq_timeout')).toBe(1);
  expect(await proxy.stat('http.ingress.downstream_rq_5xx')).toBe(1);
});

test('per-try timeout: a slow first attempt is retried and the second answers', async () => {
  let n = 0;
  const up = await startUpstream('slow-then-fast', {
    handler: (_q, res) => {
      n++;
      if (n === 1) {
        hanging.push(res);
        return;
      }
      res.writeHead(200);
      res.end('second');
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [
        {
          match: { prefix: '/' },
          route: {
            cluster: 'svc',
            timeout: '5s',
            retry_policy: {
              retry_on: '5xx',
              num_retries: 2,
              per_try_timeout: '0.3s',
              retry_back_off: { base_interval: '0.01s' },
            },
          },
        },
      ],
    }),
  });
  const [r, ms] = await timed(async () => httpRequest(`${await proxy.origin()}/`));
  expect(r.status).toBe(200);
  expect(r.body).toBe('second');
  expect(ms).toBeGreaterThanOrEqual(280);
  expect(ms).toBeLessThan(3000);
  expect(up.requests[0].headers['x-envoy-expected-rq-timeout-ms']).toBe('300');
  expect(await proxy.stat('cluster.svc.upstream_rq_per_try_timeout')).toBe(1);
});

test('per-try timeouts on every attempt end in 504 after retries + 1 attempts', async () => {
  const up = await startUpstream('always-slow', { handler: (_q, res) => void hanging.push(res) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [
        {
          match: { prefix: '/' },
          route: {
            cluster: 'svc',
            timeout: '10s',
            retry_policy: {
              retry_on: 'gateway-error',
              num_retries: 2,
              per_try_timeout: '0.2s',
              retry_back_off: { base_interval: '0.01s' },
            },
          },
        },
      ],
    }),
  });
  const [r, ms] = await timed(async () => httpRequest(`${await proxy.origin()}/`));
  expect(r.status).toBe(504);
  expect(up.requests).toHaveLength(3);
  expect(ms).toBeGreaterThanOrEqual(580);
  expect(ms).toBeLessThan(5000);
  expect(await proxy.stat('cluster.svc.upstream_rq_per_try_timeout')).toBe(3);
});

test('x-envoy-upstream-rq-timeout-ms from an internal caller overrides the route timeout', async () => {
  const up = await startUpstream('hang2', { handler: (_q, res) => void hanging.push(res) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'svc', timeout: '30s' } }],
    }),
  });
  const [r, ms] = await timed(async () =>
    httpRequest(`${await proxy.origin()}/`, { headers: { 'x-envoy-upstream-rq-timeout-ms': '300' } }),
  );
  expect(r.status).toBe(504);
  expect(ms).toBeLessThan(3000);
  expect(up.requests[0].headers['x-envoy-upstream-rq-timeout-ms']).toBeUndefined();
  expect(up.requests[0].headers['x-envoy-expected-rq-timeout-ms']).toBe('300');
});

test('a timeout after the response started resets the stream instead', async () => {
  const up = await startUpstream('trickle', {
    handler: (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      hanging.push(res);
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'svc', timeout: '0.4s' } }],
    }),
  });
  await expect(httpRequest(`${await proxy.origin()}/`)).rejects.toThrow();
  expect(await proxy.stat('cluster.svc.upstream_rq_timeout')).toBe(1);
});

test('stream idle timeout: a silent upstream past stream_idle_timeout gets 408', async () => {
  const up = await startUpstream('idle', { handler: (_q, res) => void hanging.push(res) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'svc', timeout: '0s' } }],
      hcm: { stream_idle_timeout: '0.4s' },
    }),
  });
  const [r, ms] = await timed(async () => httpRequest(`${await proxy.origin()}/`));
  expect(r.status).toBe(408);
  expect(r.body).toBe('stream timeout');
  expect(ms).toBeLessThan(3000);
  expect(await proxy.stat('http.ingress.downstream_rq_idle_timeout')).toBe(1);
});
