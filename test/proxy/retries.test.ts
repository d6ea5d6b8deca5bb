/**
 * Retries (`retry_policy` and the `x-envoy-*` request overrides): a flaky upstream is
 * recovered, attempts never exceed retries + 1, connection failures and resets are retried,
 * a POST body is replayed intact, and the override headers only work from internal callers.
 */
import { cleanupAll } from '../support/cleanup';
import { type Doc, httpBootstrap } from '../support/envoy-config';
import { failures, httpRequest, runLoad } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { type RecordedRequest, startUpstream, type UpstreamResponse } from '../support/upstream';

afterAll(cleanupAll);

/** Fails the first `n` attempts of every request (by x-request-id) with `status`. */
function flaky(n: number, status = 503) {
  const seen = new Map<string, number>();
  return (req: RecordedRequest, res: UpstreamResponse) => {
    const id = String(req.headers['x-request-id']);
    const k = (seen.get(id) ?? 0) + 1;
    seen.set(id, k);
    res.writeHead(k <= n ? status : 200, { 'x-attempt': String(k) });
    res.end(k <= n ? 'fail' : 'ok');
  };
}

function attemptsById(requests: readonly RecordedRequest[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of requests) {
    const id = String(r.headers['x-request-id']);
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

function retryRoute(policy: Doc, extra: Doc = {}): Doc[] {
  return [{ match: { prefix: '/' }, route: { cluster: 'svc', retry_policy: policy, ...extra } }];
}

test('a flaky upstream is recovered by retries, with at most retries + 1 attempts', async () => {
  const up = await startUpstream('flaky', { handler: flaky(2) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: retryRoute({ retry_on: '5xx', num_retries: 3, retry_back_off: { base_interval: '0.005s' } }),
      // Envoy's default allows 3 concurrent retries per cluster; this load needs more.
      clusterOptions: { svc: { circuit_breakers: { thresholds: [{ max_retries: 100 }] } } },
    }),
  });
  const result = await runLoad({ origin: await proxy.origin(), total: 200, concurrency: 10 });
  expect(failures(result)).toBe(0);
  const attempts = attemptsById(up.requests);
  expect(attempts.size).toBe(200);
  for (const n of attempts.values()) expect(n).toBe(3);
  expect(await proxy.stat('cluster.svc.upstream_rq_retry')).toBe(400);
  expect(await proxy.stat('cluster.svc.upstream_rq_retry_success')).toBe(200);
  expect(await proxy.stat('cluster.svc.upstream_rq_503')).toBe(400);
});

test('when retries run out, the last response is returned with URX', async () => {
  const up = await startUpstream('always-503', { handler: flaky(100) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: retryRoute({ retry_on: 'gateway-error', num_retries: 2, retry_back_off: { base_interval: '0.005s' } }),
      hcm: {
        access_log: [
          {
            name: 'envoy.access_loggers.stdout',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
              log_format: { text_format: '%RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT%\n' },
            },
          },
        ],
      },
    }),
  });
  const r = await httpRequest(`${await proxy.origin()}/`);
  expect(r.status).toBe(503);
  expect(r.body).toBe('fail');
  expect(up.requests).toHaveLength(3);
  expect(await proxy.stat('cluster.svc.upstream_rq_retry_limit_exceeded')).toBe(1);
  await new Promise((res) => setTimeout(res, 200));
  expect(proxy.child.stdout()).toContain('503 URX 3');
});

test('only retriable outcomes are retried: a 500 is not a gateway error', async () => {
  const up = await startUpstream('500', { handler: flaky(1, 500) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: retryRoute({ retry_on: 'gateway-error', num_retries: 3 }),
    }),
  });
  const r = await httpRequest(`${await proxy.origin()}/`);
  expect(r.status).toBe(500);
  expect(up.requests).toHaveLength(1);
});

test('retriable-status-codes and retriable-4xx', async () => {
  const up = await startUpstream('418', { handler: flaky(1, 418) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: retryRoute({ retry_on: 'retriable-status-codes', retriable_status_codes: [418], num_retries: 1 }),
    }),
  });
  expect((await httpRequest(`${await proxy.origin()}/`)).status).toBe(200);
  expect(up.requests).toHaveLength(2);
  const up409 = await startUpstream('409', { handler: flaky(1, 409) });
  const p2 = await startProxy({
    config: httpBootstrap({ clusters: { svc: [up409.port] }, routes: retryRoute({ retry_on: 'retriable-4xx' }) }),
  });
  expect((await httpRequest(`${await p2.origin()}/`)).status).toBe(200);
  expect(up409.requests).toHaveLength(2);
});

test('connect failures are retried on another host', async () => {
  const up = await startUpstream('live');
  const dead = await startUpstream('dead');
  const deadPort = dead.port;
  await dead.close();
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [deadPort, up.port] },
      routes: retryRoute({
        retry_on: 'connect-failure',
        num_retries: 2,
        retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
        host_selection_retry_max_attempts: 3,
      }),
      clusterOptions: { svc: { circuit_breakers: { thresholds: [{ max_retries: 100 }] } } },
    }),
  });
  const result = await runLoad({ origin: await proxy.origin(), total: 50, concurrency: 5 });
  expect(result.unexpected).toEqual([]);
  expect(failures(result)).toBe(0);
  expect(up.requests).toHaveLength(50);
  expect(await proxy.stat('cluster.svc.upstream_cx_connect_fail')).toBeGreaterThan(0);
});

test('a reset before the response is retried, and the POST body is replayed intact', async () => {
  let n = 0;
  const up = await startUpstream('reset', {
    handler: (req, res) => {
      n++;
      if (n === 1) {
        (res.socket as import('node:net').Socket).destroy();
        return;
      }
      res.writeHead(200);
      res.end(req.body);
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({ clusters: { svc: [up.port] }, routes: retryRoute({ retry_on: 'reset', num_retries: 1 }) }),
  });
  const body = 'x'.repeat(20_000);
  const r = await httpRequest(`${await proxy.origin()}/upload`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/plain' },
  });
  expect(r.status).toBe(200);
  expect(r.body).toBe(body);
  expect(up.requests).toHaveLength(2);
  expect(up.requests[1].body.toString()).toBe(body);
});

test('x-envoy-retry-on and x-envoy-max-retries work for internal callers only', async () => {
  const up = await startUpstream('headers', { handler: flaky(1) });
  const internal = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'svc' } }],
    }),
  });
  const r = await httpRequest(`${await internal.origin()}/`, {
    headers: { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '1' },
  });
  expect(r.status).toBe(200);
  expect(up.requests).toHaveLength(2);
  // The control headers are consumed, not forwarded.
  expect(up.requests[1].headers['x-envoy-retry-on']).toBeUndefined();
  expect(up.requests[1].headers['x-envoy-max-retries']).toBeUndefined();

  const up2 = await startUpstream('headers-external', { handler: flaky(1) });
  const external = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up2.port] },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'svc' } }],
      // Only 10/8 is internal: a caller on 127.0.0.1 is external here.
      hcm: { internal_address_config: { cidr_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] } },
    }),
  });
  const r2 = await httpRequest(`${await external.origin()}/`, {
    headers: { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '1', 'x-envoy-custom': 'spoofed' },
  });
  expect(r2.status).toBe(503);
  expect(up2.requests).toHaveLength(1);
  expect(up2.requests[0].headers['x-envoy-custom']).toBeUndefined();
});

test('x-envoy-attempt-count is sent when the virtual host asks for it', async () => {
  const up = await startUpstream('count', { handler: flaky(2) });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      virtualHosts: [
        {
          name: 'all',
          domains: ['*'],
          include_request_attempt_count: true,
          include_attempt_count_in_response: true,
          routes: retryRoute({ retry_on: '5xx', num_retries: 2, retry_back_off: { base_interval: '0.001s' } }),
        },
      ],
    }),
  });
  const r = await httpRequest(`${await proxy.origin()}/`);
  expect(r.status).toBe(200);
  expect(up.requests.map((q) => q.headers['x-envoy-attempt-count'])).toEqual(['1', '2', '3']);
  expect(r.headers['x-envoy-attempt-count']).toBe('3');
});

test('gRPC retry_on: a trailers-only UNAVAILABLE is retried', async () => {
  let n = 0;
  const up = await startUpstream('grpc', {
    handler: (_req, res) => {
      n++;
      res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': n === 1 ? '14' : '0' });
      res.end();
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { svc: [up.port] },
      routes: retryRoute({ retry_on: 'unavailable', num_retries: 1 }),
    }),
  });
  const r = await httpRequest(`${await proxy.origin()}/pkg.Svc/Call`, {
    method: 'POST',
    headers: { 'content-type': 'application/grpc', te: 'trailers' },
    body: Buffer.from([0, 0, 0, 0, 0]),
  });
  expect(r.headers['grpc-status']).toBe('0');
  expect(up.requests).toHaveLength(2);
});
