/**
 * Headers as Envoy handles them (issue 3, RELIABILITY.md A.8 and A.11): x-forwarded-for and
 * x-envoy-internal with `use_remote_address`; x-forwarded-proto; hop-by-hop headers (and every
 * header `Connection` names) stripped both ways, except what the proxy itself adds and
 * `te: trailers`; `x-envoy-*` overrides honoured only from internal callers;
 * x-envoy-upstream-service-time on proxied responses only; X-Amzn-Trace-Id kept across two
 * proxies in a row.
 */
import { connect } from 'node:net';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream } from '../support/upstream';

afterAll(cleanupAll);

/** One raw HTTP/1.1 exchange (clients refuse to send some of these headers); returns the response head. */
function rawExchange(port: number, head: string): Promise<{ status: number; headers: Map<string, string> }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.setEncoding('latin1');
    s.on('connect', () => s.write(head));
    const done = () => {
      s.destroy();
      const lines = data.split('\r\n\r\n')[0].split('\r\n');
      const headers = new Map<string, string>();
      for (const l of lines.slice(1))
        headers.set(l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim());
      resolve({ status: Number(lines[0].split(' ')[1]), headers });
    };
    // The response head is all this needs: resolve on it rather than waiting for a close.
    s.on('data', (d) => {
      data += d;
      if (data.includes('\r\n\r\n')) done();
    });
    s.on('error', reject);
  });
}

test('use_remote_address: x-forwarded-for gets the peer appended, internal callers are marked', async () => {
  const up = await startUpstream('app');
  const edge = await startProxy({
    config: httpBootstrap({ clusters: { app: [up.port] }, hcm: { use_remote_address: true } }),
  });
  await httpRequest(`${await edge.origin()}/`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
  expect(up.requests[0].headers['x-forwarded-for']).toBe('203.0.113.7,127.0.0.1');
  // 127.0.0.1 is an internal address by default (RFC 1918 and loopback), as in Envoy.
  expect(up.requests[0].headers['x-envoy-internal']).toBe('true');

  // A sidecar without use_remote_address passes x-forwarded-for through as it came.
  const sidecar = await startProxy({ config: httpBootstrap({ clusters: { app: [up.port] } }) });
  await httpRequest(`${await sidecar.origin()}/`, { headers: { 'x-forwarded-for': '198.51.100.1' } });
  expect(up.requests[1].headers['x-forwarded-for']).toBe('198.51.100.1');
  expect(up.requests[1].headers['x-envoy-internal']).toBeUndefined();
});

test('external callers cannot spoof x-forwarded-proto or x-envoy-* overrides', async () => {
  const up = await startUpstream('app');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { app: [up.port] },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'app', timeout: '7s' } }],
      // Only 10/8 is internal: the test, on 127.0.0.1, is an external caller here.
      hcm: {
        use_remote_address: true,
        internal_address_config: { cidr_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
      },
    }),
  });
  await httpRequest(`${await proxy.origin()}/`, {
    headers: {
      'x-forwarded-proto': 'https',
      'x-envoy-upstream-rq-timeout-ms': '10',
      'x-envoy-internal': 'true',
      'x-envoy-original-path': '/admin',
    },
  });
  const h = up.requests[0].headers;
  expect(h['x-forwarded-proto']).toBe('http');
  expect(h['x-envoy-internal']).toBeUndefined();
  expect(h['x-envoy-original-path']).toBeUndefined();
  expect(h['x-envoy-upstream-rq-timeout-ms']).toBeUndefined();
  // The route's timeout, not the caller's, is the upstream's budget.
  expect(h['x-envoy-expected-rq-timeout-ms']).toBe('7000');
  expect(h['x-forwarded-for']).toBe('127.0.0.1');
});

test('hop-by-hop headers and the headers Connection names are stripped both ways', async () => {
  const up = await startUpstream('app', {
    handler: (_q, res) => {
      res.writeHead(200, {
        connection: 'x-upstream-secret',
        'x-upstream-secret': 'leak',
        'keep-alive': 'timeout=5',
        'x-kept': 'yes',
        'content-length': '2',
      });
      res.end('ok');
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({ clusters: { app: [up.port] }, hcm: { use_remote_address: true } }),
  });
  const r = await rawExchange(
    await proxy.listenerPort(),
    [
      'GET /hop HTTP/1.1',
      'Host: app',
      'Connection: keep-alive, x-forwarded-for, x-request-id, x-secret, te',
      'X-Secret: 1',
      'Keep-Alive: timeout=100',
      'Proxy-Connection: keep-alive',
      'Upgrade: h2c',
      'HTTP2-Settings: AAMAAABkAAQAAP__',
      'TE: gzip',
      'X-Forwarded-For: 192.0.2.1',
      'X-Kept: yes',
      '',
      '',
    ].join('\r\n'),
  );
  expect(r.status).toBe(200);
  const h = up.requests[0].headers;
  // None of the client's Connection list goes upstream; HTTP/1.1 is persistent without one, so
  // the pool sends none of its own either (as Envoy).
  expect(h.connection).toBeUndefined();
  for (const gone of ['keep-alive', 'proxy-connection', 'upgrade', 'http2-settings', 'te', 'x-secret']) {
    expect({ gone, value: h[gone] }).toEqual({ gone, value: undefined });
  }
  expect(h['x-kept']).toBe('yes');
  // Headers the proxy adds or appends to survive being named in Connection.
  expect(h['x-forwarded-for']).toBe('127.0.0.1');
  expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  // The upstream's hop-by-hop headers do not reach the client either.
  expect(r.headers.get('x-upstream-secret')).toBeUndefined();
  expect(r.headers.get('x-kept')).toBe('yes');
  expect(r.headers.get('keep-alive') ?? 'none').not.toBe('timeout=5');

  // te: trailers is the one TE value forwarded (gRPC needs it).
  await rawExchange(
    await proxy.listenerPort(),
    'GET /te HTTP/1.1\r\nHost: app\r\nTE: trailers, deflate\r\nConnection: close\r\n\r\n',
  );
  expect(up.requests[1].headers.te).toBe('trailers');
});

test('x-envoy-upstream-service-time is on proxied responses, not on local replies', async () => {
  const up = await startUpstream('app', {
    handler: (_q, res) => {
      setTimeout(() => {
        res.writeHead(200);
        res.end('slow');
      }, 100);
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { app: [up.port] },
      routes: [
        { match: { prefix: '/local' }, direct_response: { status: 200, body: { inline_string: 'here' } } },
        { match: { prefix: '/' }, route: { cluster: 'app' } },
      ],
    }),
  });
  const origin = await proxy.origin();
  const proxied = await httpRequest(`${origin}/`);
  expect(Number(proxied.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(90);
  const local = await httpRequest(`${origin}/local`);
  expect(local.body).toBe('here');
  expect(local.headers['x-envoy-upstream-service-time']).toBeUndefined();
});

test('X-Amzn-Trace-Id and x-request-id cross two proxies unchanged', async () => {
  const up = await startUpstream('app');
  const inner = await startProxy({ config: httpBootstrap({ clusters: { app: [up.port] } }) });
  const outer = await startProxy({ config: httpBootstrap({ clusters: { inner: [await inner.listenerPort()] } }) });
  await httpRequest(`${await outer.origin()}/`);
  const generated = up.requests[0].headers;
  expect(generated['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/);
  expect(generated['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
  await httpRequest(`${await outer.origin()}/`, { headers: { 'x-amzn-trace-id': trace, 'x-request-id': 'req-1' } });
  expect(up.requests[1].headers['x-amzn-trace-id']).toBe(trace);
  expect(up.requests[1].headers['x-request-id']).toBe('req-1');
});
