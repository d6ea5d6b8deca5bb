/**
 * The hardening suite: hostile input against one proxy (HTTP/1.1 and h2c on the same listener,
 * a recording upstream behind it, an RBAC filter that denies `/admin`), each case with its
 * expected outcome, and the proxy still serving normal traffic after every case (afterEach).
 * Scenarios and pass criteria follow /work/shared/RELIABILITY.md section A and B and Envoy's
 * edge-hardening guidance. The client at 127.0.0.1 is outside the mesh here
 * (internal_address_config names 10.0.0.0/8 only), as an internet client at a gateway would be.
 */
import http2 from 'node:http2';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { sleep } from '../support/wait';
import {
  END_HEADERS,
  END_STREAM,
  FrameType,
  frame,
  frameTypes,
  indexed,
  literal,
  PREFACE,
  rawExchange,
  requestBlock,
  statusOf,
} from './raw-http';

jest.setTimeout(60_000);

const HOST = 'svc.local';
let app: HttpUpstream;
let proxy: ProxyHandle;
let port: number;
let origin: string;

beforeAll(async () => {
  app = await startUpstream('app');
  const doc = httpBootstrap({
    clusters: { app: [app.port] },
    virtualHosts: [
      { name: 'svc', domains: [HOST, `${HOST}:*`], routes: [{ match: { prefix: '/' }, route: { cluster: 'app' } }] },
    ],
    httpFilters: [
      {
        name: 'envoy.filters.http.rbac',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
          rules: {
            action: 'DENY',
            policies: {
              admin: { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: [{ any: true }] },
            },
          },
        },
      },
    ],
    hcm: {
      codec_type: 'AUTO',
      use_remote_address: true,
      internal_address_config: { cidr_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
      normalize_path: true,
      merge_slashes: true,
      path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD',
      request_headers_timeout: '2s',
      stream_idle_timeout: '3s',
      http2_protocol_options: { max_concurrent_streams: 100 },
    },
  });
  proxy = await startProxy({ config: doc });
  port = await proxy.listenerPort();
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await proxy?.stop();
  await closeAllUpstreams();
});

/** What the upstream received for `path` (none when the attack was stopped). */
function received(path: string) {
  return app.requests.filter((r) => r.path === path);
}

afterEach(async () => {
  // After every case: the process lives and serves normal HTTP/1.1 and HTTP/2 traffic.
  expect(proxy.child.proc.exitCode).toBeNull();
  const r = await httpRequest(`${origin}/healthy`, { headers: { host: HOST } });
  expect(r.status).toBe(200);
  const session = http2.connect(origin);
  const status = await new Promise<number>((resolve, reject) => {
    const req = session.request({ ':path': '/healthy-h2', ':authority': HOST });
    req.on('response', (h) => resolve(Number(h[':status'])));
    req.on('error', reject);
    req.resume();
    req.end();
  });
  session.close();
  expect(status).toBe(200);
});

const req = (lines: string[], body = '') => `${lines.join('\r\n')}\r\n\r\n${body}`;

describe('request smuggling (HTTP/1.1 framing)', () => {
  test('CL.TE: Content-Length and Transfer-Encoding together → 400, closed, nothing forwarded', async () => {
    const r = await rawExchange(port, [
      req(
        ['POST /smuggle-clte HTTP/1.1', `Host: ${HOST}`, 'Content-Length: 6', 'Transfer-Encoding: chunked'],
        '0\r\n\r\nG',
      ),
    ]);
    expect(statusOf(r.data)).toBe(400);
    expect(r.closedByServer).toBe(true);
    expect(received('/smuggle-clte')).toHaveLength(0);
  });

  test('TE.CL: Transfer-Encoding before Content-Length with a smuggled request → 400, nothing forwarded', async () => {
    const smuggled = 'GET /smuggled-victim HTTP/1.1\r\nHost: svc.local\r\n\r\n';
    const body = `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    const r = await rawExchange(port, [
      req(['POST /smuggle-tecl HTTP/1.1', `Host: ${HOST}`, 'Transfer-Encoding: chunked', 'Content-Length: 4'], body),
    ]);
    expect(statusOf(r.data)).toBe(400);
    expect(received('/smuggle-tecl')).toHaveLength(0);
    expect(received('/smuggled-victim')).toHaveLength(0);
  });

  test.each([
    ['duplicate Content-Length', ['Content-Length: 5', 'Content-Length: 6']],
    ['comma-separated Content-Length', ['Content-Length: 5, 5']],
    ['negative Content-Length', ['Content-Length: -1']],
  ])('%s → 400, nothing forwarded', async (_name, headers) => {
    const path = `/cl-${Math.random().toString(36).slice(2)}`;
    const r = await rawExchange(port, [req([`POST ${path} HTTP/1.1`, `Host: ${HOST}`, ...headers], 'hello')]);
    expect(statusOf(r.data)).toBe(400);
    expect(r.closedByServer).toBe(true);
    expect(received(path)).toHaveLength(0);
  });

  test.each([
    ['xchunked', 'Transfer-Encoding: xchunked'],
    ['chunked, identity', 'Transfer-Encoding: chunked, identity'],
    ['space before the colon', 'Transfer-Encoding : chunked'],
    ['obs-fold', 'Transfer-Encoding:\r\n chunked'],
    ['two TE headers', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity'],
  ])('obfuscated Transfer-Encoding (%s) → rejected (400/501), never forwarded', async (_name, te) => {
    const path = `/te-${Math.random().toString(36).slice(2)}`;
    const r = await rawExchange(port, [req([`POST ${path} HTTP/1.1`, `Host: ${HOST}`, te], '5\r\nhello\r\n0\r\n\r\n')]);
    expect([400, 501]).toContain(statusOf(r.data));
    expect(received(path)).toHaveLength(0);
  });

  test('chunked on HTTP/1.0 → 400', async () => {
    const r = await rawExchange(port, [
      req(['POST /te10 HTTP/1.0', `Host: ${HOST}`, 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
    ]);
    expect(statusOf(r.data)).toBe(400);
    expect(received('/te10')).toHaveLength(0);
  });

  test('bad chunk size → the request is cut off and the connection closed; nothing after it is parsed', async () => {
    const r = await rawExchange(port, [
      req(['POST /badchunk HTTP/1.1', `Host: ${HOST}`, 'Transfer-Encoding: chunked'], 'zz\r\nhello\r\n0\r\n\r\n'),
      req(['GET /after-badchunk HTTP/1.1', `Host: ${HOST}`]),
    ]);
    expect(r.closedByServer).toBe(true);
    expect(received('/after-badchunk')).toHaveLength(0);
  });

  test('desync probe: pipelined requests each get their own response; upstream count equals client count', async () => {
    const before = app.requests.length;
    const r = await rawExchange(
      port,
      [
        req(['POST /desync-1 HTTP/1.1', `Host: ${HOST}`, 'Content-Length: 5'], 'hello') +
          req(['GET /desync-2 HTTP/1.1', `Host: ${HOST}`]) +
          req(['GET /desync-3 HTTP/1.1', `Host: ${HOST}`, 'Connection: close']),
      ],
      { timeoutMs: 5000 },
    );
    const text = r.data.toString();
    expect(text.match(/^HTTP\/1\.1 200/gm)).toHaveLength(3);
    expect(text.indexOf('"/desync-1"')).toBeLessThan(text.indexOf('"/desync-2"'));
    expect(text.indexOf('"/desync-2"')).toBeLessThan(text.indexOf('"/desync-3"'));
    expect(app.requests.length - before).toBe(3);
  });
});

describe('header injection and limits', () => {
  test.each([
    ['bare LF in a value', 'X-A: one\nX-Injected: two'],
    ['bare CR in a value', 'X-A: one\rX-Injected: two'],
    ['NUL in a value', 'X-A: one\u0000two'],
    ['space in a header name', 'X A: one'],
    ['non-token header name', 'X(A): one'],
  ])('%s → 400, nothing forwarded', async (_name, line) => {
    const path = `/inj-${Math.random().toString(36).slice(2)}`;
    const r = await rawExchange(port, [req([`GET ${path} HTTP/1.1`, `Host: ${HOST}`, line])]);
    expect(statusOf(r.data)).toBe(400);
    expect(received(path)).toHaveLength(0);
  });

  test('CRLF in an HTTP/2 header value (downgrade to HTTP/1) → the field is dropped, nothing injected', async () => {
    const r = await rawExchange(
      port,
      [
        PREFACE,
        frame(FrameType.SETTINGS, 0, 0),
        frame(
          FrameType.HEADERS,
          END_HEADERS | END_STREAM,
          1,
          Buffer.concat([requestBlock('/h2-crlf', HOST), literal('x-a', 'one\r\nx-injected: two')]),
        ),
      ],
      { timeoutMs: 1500 },
    );
    // nghttp2 drops the malformed field (or the stream): the upstream never sees the CR/LF value
    // nor a header smuggled through it.
    void r;
    for (const q of received('/h2-crlf')) expect(q.headers['x-a']).toBeUndefined();
    expect(app.requests.some((q) => q.headers['x-injected'] !== undefined)).toBe(false);
  });

  test('headers over 60 KiB → 431, nothing forwarded', async () => {
    const r = await rawExchange(port, [req(['GET /big HTTP/1.1', `Host: ${HOST}`, `X-Big: ${'a'.repeat(70 * 1024)}`])]);
    expect(statusOf(r.data)).toBe(431);
    expect(received('/big')).toHaveLength(0);
  });

  test('more than 100 headers → 431, nothing forwarded', async () => {
    const many = Array.from({ length: 150 }, (_, i) => `X-H${i}: ${i}`);
    const r = await rawExchange(port, [req(['GET /many HTTP/1.1', `Host: ${HOST}`, ...many])]);
    expect(statusOf(r.data)).toBe(431);
    expect(received('/many')).toHaveLength(0);
  });

  test('many small cookie headers over HTTP/2 → refused (stream reset or 431), nothing forwarded', async () => {
    const cookies = Array.from({ length: 300 }, (_, i) => literal('cookie', `c${i}=${'v'.repeat(200)}`));
    const block = Buffer.concat([requestBlock('/cookies', HOST), ...cookies]);
    const r = await rawExchange(port, [
      PREFACE,
      frame(FrameType.SETTINGS, 0, 0),
      frame(FrameType.HEADERS, END_HEADERS | END_STREAM, 1, block.subarray(0, 16000)),
    ]);
    void r;
    expect(received('/cookies')).toHaveLength(0);
  });
});

describe('slow clients', () => {
  test('slowloris: headers trickling in are cut off at request_headers_timeout (2 s) + slack', async () => {
    const trickle = ['GET /slowloris HTTP/1.1\r\n', `Host: ${HOST}\r\n`];
    for (let i = 0; i < 40; i++) trickle.push(`X-${i}: ${i}\r\n`);
    const r = await rawExchange(port, trickle, { gapMs: 250, timeoutMs: 15_000 });
    expect(r.closedByServer).toBe(true);
    expect(r.elapsedMs).toBeLessThan(8000);
    expect([0, 408]).toContain(statusOf(r.data));
    expect(received('/slowloris')).toHaveLength(0);
  });

  test('slow body: a stalled upload is cut off at stream_idle_timeout (3 s) + slack; others are served meanwhile', async () => {
    const pending = rawExchange(
      port,
      [req(['POST /slow-body HTTP/1.1', `Host: ${HOST}`, 'Content-Length: 1000'], 'only a little')],
      { timeoutMs: 15_000 },
    );
    await sleep(500);
    expect((await httpRequest(`${origin}/meanwhile`, { headers: { host: HOST } })).status).toBe(200);
    const r = await pending;
    expect(r.closedByServer).toBe(true);
    expect(r.elapsedMs).toBeLessThan(10_000);
  });
});

describe('HTTP/2 abuse', () => {
  test('rapid reset: streams opened and cancelled at once → GOAWAY once resets dominate; upstream work bounded', async () => {
    const before = app.requests.length;
    const trips = await proxy.stat('http.ingress.downstream_rq_too_many_premature_resets');
    const session = http2.connect(origin);
    session.on('error', () => {});
    const closed = new Promise<boolean>((resolve) => {
      session.on('goaway', () => resolve(true));
      session.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 15_000).unref();
    });
    await new Promise<void>((r) => session.once('connect', () => r()));
    for (let i = 0; i < 2000 && !session.destroyed && !session.closed; i++) {
      const s = session.request({ ':path': `/rapid-${i}`, ':authority': HOST });
      s.on('error', () => {});
      s.close(http2.constants.NGHTTP2_CANCEL);
      if (i % 100 === 99) await sleep(10);
    }
    expect(await closed).toBe(true);
    session.destroy();
    expect(await proxy.stat('http.ingress.downstream_rq_too_many_premature_resets')).toBe(trips + 1);
    // The cancelled streams must not each cost an upstream request.
    expect(app.requests.length - before).toBeLessThan(2000);
  });

  test('CONTINUATION flood: endless header fragments → connection closed at the header-list limit', async () => {
    const chunks: Buffer[] = [
      PREFACE,
      frame(FrameType.SETTINGS, 0, 0),
      frame(FrameType.HEADERS, END_STREAM, 1, requestBlock('/continuation', HOST)),
    ];
    for (let i = 0; i < 400; i++)
      chunks.push(frame(FrameType.CONTINUATION, 0, 1, literal(`x-f${i}`, 'a'.repeat(1000))));
    const r = await rawExchange(port, [Buffer.concat(chunks)], { timeoutMs: 5000 });
    expect(r.closedByServer || frameTypes(r.data).includes(FrameType.GOAWAY)).toBe(true);
    expect(received('/continuation')).toHaveLength(0);
  });

  test('HPACK bomb: one 4 KB dynamic-table entry referenced 4,000 times → refused, nothing forwarded', async () => {
    const refs = Buffer.alloc(4000, indexed(62));
    const block = Buffer.concat([requestBlock('/hpack-bomb', HOST), literal('x-bomb', 'b'.repeat(4000), true), refs]);
    const r = await rawExchange(
      port,
      [PREFACE, frame(FrameType.SETTINGS, 0, 0), frame(FrameType.HEADERS, END_HEADERS | END_STREAM, 1, block)],
      {
        timeoutMs: 5000,
      },
    );
    const types = frameTypes(r.data);
    expect(r.closedByServer || types.includes(FrameType.GOAWAY) || types.includes(FrameType.RST_STREAM)).toBe(true);
    expect(received('/hpack-bomb')).toHaveLength(0);
  });
});

describe('hop-by-hop headers', () => {
  test('Connection-named headers, Keep-Alive, Proxy-Connection and TE: gzip are not forwarded', async () => {
    await rawExchange(port, [
      req([
        'GET /hop HTTP/1.1',
        `Host: ${HOST}`,
        'Connection: close, x-secret, x-forwarded-for',
        'X-Secret: 1',
        'Keep-Alive: timeout=5',
        'Proxy-Connection: keep-alive',
        'TE: gzip',
      ]),
    ]);
    const [got] = received('/hop');
    expect(got).toBeDefined();
    for (const h of ['x-secret', 'keep-alive', 'proxy-connection', 'te']) expect(got.headers[h]).toBeUndefined();
    expect(got.headers.connection ?? 'keep-alive').not.toMatch(/x-secret/);
    // Headers the proxy adds cannot be removed through Connection.
    expect(got.headers['x-forwarded-for']).toMatch(/127\.0\.0\.1$/);
  });

  test('Upgrade: h2c (not configured) is not passed through', async () => {
    const r = await rawExchange(port, [
      req([
        'GET /upgrade HTTP/1.1',
        `Host: ${HOST}`,
        'Connection: Upgrade, HTTP2-Settings',
        'Upgrade: h2c',
        'HTTP2-Settings: AAMAAABkAAQAAP__',
      ]),
    ]);
    expect(statusOf(r.data)).not.toBe(101);
    for (const got of received('/upgrade')) {
      expect(got.headers.upgrade).toBeUndefined();
      expect(got.headers['http2-settings']).toBeUndefined();
    }
  });
});

describe('authority and paths', () => {
  test('absolute-form URI naming another host is not proxied there (no open proxy)', async () => {
    const r = await rawExchange(port, [
      req(['GET http://evil.example/steal HTTP/1.1', `Host: ${HOST}`, 'Connection: close']),
    ]);
    expect(statusOf(r.data)).toBe(404);
    expect(received('/steal')).toHaveLength(0);
  });

  test('CONNECT is refused: the connection is closed without a tunnel', async () => {
    const r = await rawExchange(port, [req(['CONNECT evil.example:443 HTTP/1.1', 'Host: evil.example:443'])]);
    expect(r.closedByServer).toBe(true);
    expect(statusOf(r.data) === 0 || statusOf(r.data) >= 400).toBe(true);
  });

  test('duplicate Host → 400', async () => {
    const r = await rawExchange(port, [req(['GET /dup-host HTTP/1.1', `Host: ${HOST}`, 'Host: evil.example'])]);
    expect(statusOf(r.data)).toBe(400);
    expect(received('/dup-host')).toHaveLength(0);
  });

  test.each([
    ['/a/../admin', '/admin'],
    ['/a/%2E%2E/admin/x', '/admin/x'],
    ['//admin', '/admin'],
    ['/%2Fadmin', '/admin'],
    ['/./admin', '/admin'],
  ])('%s is normalized to %s before routing and RBAC: refused by the /admin policy', async (path) => {
    const r = await rawExchange(port, [req([`GET ${path} HTTP/1.1`, `Host: ${HOST}`, 'Connection: close'])]);
    expect(statusOf(r.data)).toBe(403);
    expect(r.data.toString()).toContain('RBAC: access denied');
    expect(app.requests.some((q) => q.path.includes('admin'))).toBe(false);
  });

  test('path confusion variants never reach the upstream as /admin past the /admin policy', async () => {
    const variants = [
      '/x/%2e%2e/admin',
      '/x/%2E%2E%2Fadmin',
      '/%61dmin',
      '/.%2e/admin',
      '/admin%2F..%2Fpublic',
      '/x/..;/admin',
      '/%252Fadmin',
      '/x/%5C../admin',
      '/./admin/./',
      '///admin',
    ];
    for (const path of variants) {
      const r = await rawExchange(port, [req([`GET ${path} HTTP/1.1`, `Host: ${HOST}`, 'Connection: close'])]);
      const status = statusOf(r.data);
      // Refused (400/403/404) or forwarded under a path the policy does not cover.
      expect({ path, ok: status === 0 || status === 200 || status >= 400 }).toEqual({ path, ok: true });
    }
    expect(app.requests.filter((q) => /^\/admin(\/|$|\?)/.test(q.path)).map((q) => q.path)).toEqual([]);
  });

  test('the path forwarded is the path that was authorized', async () => {
    await rawExchange(port, [req(['GET /public/./x//y/../z?q=1 HTTP/1.1', `Host: ${HOST}`, 'Connection: close'])]);
    expect(app.requests.some((q) => q.path === '/public/x/z?q=1')).toBe(true);
  });
});

describe('spoofing from outside the mesh', () => {
  test('x-envoy-* controls, x-forwarded-for and x-forwarded-client-cert from an external client are not trusted', async () => {
    await rawExchange(port, [
      req([
        'GET /spoof HTTP/1.1',
        `Host: ${HOST}`,
        'X-Envoy-Internal: true',
        'X-Envoy-Retry-On: 5xx',
        'X-Envoy-Upstream-Rq-Timeout-Ms: 1',
        'X-Envoy-Original-Path: /admin',
        'X-Forwarded-For: 10.1.2.3',
        'X-Forwarded-Client-Cert: By=spiffe://bank.example/admin;URI=spiffe://bank.example/admin',
        'Connection: close',
      ]),
    ]);
    const [got] = received('/spoof');
    expect(got).toBeDefined();
    for (const h of [
      'x-envoy-internal',
      'x-envoy-retry-on',
      'x-envoy-upstream-rq-timeout-ms',
      'x-envoy-original-path',
    ]) {
      expect(got.headers[h]).toBeUndefined();
    }
    expect(got.headers['x-forwarded-client-cert']).toBeUndefined();
    // The proxy appends the address it saw; the spoofed entry is never the trusted (last) one.
    expect(String(got.headers['x-forwarded-for'])).toMatch(/(^|,\s*)127\.0\.0\.1$/);
  });
});
