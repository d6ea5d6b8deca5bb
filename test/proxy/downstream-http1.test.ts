/**
 * The proxy's own HTTP/1.1 server codec (proxy-image/src/http/http1-server-connection.ts and
 * http1-server-stream.ts), driven byte for byte from a raw TCP client: keep-alive and
 * Connection: close, HTTP/1.0 (close-delimited or kept alive), the framing of each kind of
 * response, trailers, 100-continue, heads that llhttp hands over in parts, pipelining behind a
 * slow response, and idle_timeout. Hardening cases (smuggling, limits, slowloris) are in
 * test/security/hardening.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { rawExchange } from '../security/raw-http';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';

let app: HttpUpstream;
let proxy: ProxyHandle;
let port: number;

beforeAll(async () => {
  app = await startUpstream('app', {
    handler: async (req, res) => {
      const [path] = req.path.split('?');
      if (path === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-sum' });
        res.write('hello');
        res.write(' world');
        res.addTrailers({ 'x-sum': '11' });
        res.end();
      } else if (path === '/no-content') {
        res.writeHead(204, {});
        res.end();
      } else if (path === '/slow') {
        await new Promise((r) => setTimeout(r, 300));
        res.writeHead(200, { 'content-length': '4' });
        res.end('slow');
      } else {
        const body = JSON.stringify({ path: req.path, body: req.body.toString(), n: Object.keys(req.headers).length });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      }
    },
  });
  proxy = await startProxy({
    config: httpBootstrap({
      clusters: { app: [app.port] },
      hcm: { common_http_protocol_options: { idle_timeout: '1s' } },
    }),
  });
  port = await proxy.listenerPort();
});

afterAll(async () => {
  await cleanupAll();
  await closeAllUpstreams();
});

const get = (path: string, extra: string[] = [], version = '1.1') =>
  `${[`GET ${path} HTTP/${version}`, 'Host: app', ...extra].join('\r\n')}\r\n\r\n`;

/** The responses in `text`, split at each status line. */
function responses(text: string): string[] {
  return text.split(/(?=HTTP\/1\.1 \d{3} )/).filter((r) => r.length > 0);
}

/** The value of `name` in a response's head, or undefined. */
function header(response: string, name: string): string | undefined {
  const head = response.slice(0, response.indexOf('\r\n\r\n'));
  const m = new RegExp(`^${name}: (.*)$`, 'im').exec(head);
  return m?.[1];
}

test('keep-alive: requests on one connection are answered in turn; Connection: close ends it after its answer', async () => {
  const r = await rawExchange(port, [get('/one') + get('/two') + get('/three', ['Connection: close'])], {
    timeoutMs: 5000,
  });
  const rs = responses(r.data.toString('latin1'));
  expect(rs.map((x) => JSON.parse(x.slice(x.indexOf('\r\n\r\n') + 4)).path)).toEqual(['/one', '/two', '/three']);
  expect(header(rs[0], 'connection')).toBeUndefined();
  expect(header(rs[2], 'connection')).toBe('close');
  expect(header(rs[0], 'date')).toMatch(/GMT$/);
  expect(r.closedByServer).toBe(true);
});

test('a pipelined request waits behind a slow response and is answered after it, in order', async () => {
  const r = await rawExchange(port, [get('/slow') + get('/fast', ['Connection: close'])], { timeoutMs: 5000 });
  const rs = responses(r.data.toString('latin1'));
  expect(rs).toHaveLength(2);
  expect(rs[0].endsWith('slow')).toBe(true);
  expect(rs[1]).toContain('"/fast"');
});

test('a response without a length is chunked, with its trailers; HTTP/1.0 gets it close-delimited', async () => {
  const r11 = await rawExchange(port, [get('/chunked', ['Connection: close'])]);
  const t11 = r11.data.toString('latin1');
  expect(header(t11, 'transfer-encoding')).toBe('chunked');
  expect(t11.slice(t11.indexOf('\r\n\r\n') + 4)).toBe('5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 11\r\n\r\n');

  const r10 = await rawExchange(port, [get('/chunked', [], '1.0')]);
  const t10 = r10.data.toString('latin1');
  expect(t10.startsWith('HTTP/1.1 200')).toBe(true);
  expect(header(t10, 'transfer-encoding')).toBeUndefined();
  expect(header(t10, 'connection')).toBe('close');
  expect(t10.slice(t10.indexOf('\r\n\r\n') + 4)).toBe('hello world');
  expect(r10.closedByServer).toBe(true);
});

test('HTTP/1.0 with Connection: keep-alive keeps the connection when the length is known', async () => {
  const ka = ['Connection: keep-alive'];
  const r = await rawExchange(port, [get('/a', ka, '1.0') + get('/b', ka, '1.0')], { timeoutMs: 1500 });
  const rs = responses(r.data.toString('latin1'));
  expect(rs).toHaveLength(2);
  expect(header(rs[0], 'connection')).toBe('keep-alive');
  expect(rs[1]).toContain('"/b"');
});

test('HEAD and 204 carry no body; the connection goes on after them', async () => {
  const r = await rawExchange(
    port,
    [`HEAD /head HTTP/1.1\r\nHost: app\r\n\r\n${get('/no-content')}${get('/after', ['Connection: close'])}`],
    { timeoutMs: 5000 },
  );
  const rs = responses(r.data.toString('latin1'));
  expect(rs).toHaveLength(3);
  expect(rs[0].endsWith('\r\n\r\n')).toBe(true);
  expect(Number(header(rs[0], 'content-length'))).toBeGreaterThan(0);
  expect(rs[1].startsWith('HTTP/1.1 204')).toBe(true);
  expect(rs[1].endsWith('\r\n\r\n')).toBe(true);
  expect(rs[2]).toContain('"/after"');
});

test('Expect: 100-continue is answered before the body is sent; the final answer follows', async () => {
  const socket: Socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d) => {
    text += d.toString('latin1');
  });
  try {
    socket.write('POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await waitFor('the interim answer', () => text.includes('\r\n\r\n'), 3000);
    expect(text).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.write('hello');
    await waitFor('the final answer', () => text.includes('"body":"hello"'), 3000);
    expect(responses(text)[1].startsWith('HTTP/1.1 200')).toBe(true);
  } finally {
    socket.destroy();
  }
});

test('a head llhttp hands over in parts (many headers, a long target, a few bytes at a time) arrives whole', async () => {
  const path = `/long/${'x'.repeat(3000)}?q=${'y'.repeat(500)}`;
  const extra = Array.from({ length: 60 }, (_, i) => `X-H${i}: ${i}`);
  const bytes = Buffer.from(get(path, [...extra, 'Connection: close']));
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 700) pieces.push(bytes.subarray(i, i + 700));
  const r = await rawExchange(port, pieces, { gapMs: 5, timeoutMs: 5000 });
  const [res] = responses(r.data.toString('latin1'));
  const got = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4));
  expect(got.path).toBe(path);
  // 60 of ours, and host, x-forwarded-proto, x-request-id… added on the way.
  expect(got.n).toBeGreaterThanOrEqual(61);
});

test('idle_timeout closes a connection with no request in flight, and is counted', async () => {
  const before = (await proxy.stats()).get('http.ingress.downstream_cx_idle_timeout') ?? 0;
  const r = await rawExchange(port, [get('/then-idle')], { timeoutMs: 8000 });
  expect(responses(r.data.toString('latin1'))).toHaveLength(1);
  expect(r.closedByServer).toBe(true);
  // 1 s, checked four times a second; a generous bound for a loaded machine.
  expect(r.elapsedMs).toBeGreaterThanOrEqual(900);
  expect(r.elapsedMs).toBeLessThan(6000);
  expect(await proxy.stat('http.ingress.downstream_cx_idle_timeout')).toBe(before + 1);
});

test('idle_timeout also ends a head that never completes (no request_headers_timeout set)', async () => {
  const r = await rawExchange(port, ['GET /never HTTP/1.1\r\nHost: app\r\n'], { timeoutMs: 8000 });
  expect(r.closedByServer).toBe(true);
  expect(r.elapsedMs).toBeLessThan(6000);
  expect(app.requests.some((q) => q.path === '/never')).toBe(false);
});
