/**
 * The proxy's HTTP/1.1 client to upstreams (proxy-image/src/upstream/http1-client-connection.ts)
 * against a raw TCP upstream that writes exactly the bytes each case needs: informational
 * responses, HEAD, close-delimited and cut-short bodies, malformed responses, the Keep-Alive
 * hint, early answers and stray bytes on an idle connection. Connections are counted to prove
 * when one is reused and when it must not be.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { rawExchange } from '../security/raw-http';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { startProxy } from '../support/proxy';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  await cleanupAll();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

interface RawRequest {
  readonly head: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Index of the upstream connection it came on (0, 1, …). */
  readonly conn: number;
}

interface RawUpstream {
  readonly port: number;
  readonly requests: RawRequest[];
  connections(): number;
  /** Every byte a connection received, as latin1. */
  received(conn: number): string;
}

/**
 * A TCP server that reads HTTP/1.1 requests (content-length or chunked bodies) and lets `answer`
 * write whatever it likes. `early`: answer as soon as the head is in, before the body.
 */
async function rawUpstream(
  answer: (req: RawRequest, socket: Socket) => void,
  o: { early?: (path: string) => boolean } = {},
): Promise<RawUpstream> {
  const requests: RawRequest[] = [];
  const bytes: string[] = [];
  let conns = 0;
  const server: Server = createServer((socket) => {
    const conn = conns++;
    bytes[conn] = '';
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    let answeredEarly = false;
    socket.on('error', () => {});
    socket.on('data', (d) => {
      bytes[conn] += d.toString('latin1');
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const [line, ...fields] = head.split('\r\n');
        const [method, path] = line.split(' ');
        const headers: Record<string, string> = {};
        for (const f of fields) {
          const i = f.indexOf(':');
          headers[f.slice(0, i).toLowerCase()] = f.slice(i + 1).trim();
        }
        if (o.early?.(path) && !answeredEarly) {
          answeredEarly = true;
          answer({ head, path, method, headers, body: Buffer.alloc(0), conn }, socket);
        }
        let rest = buf.subarray(end + 4);
        let body: Buffer;
        if (headers['transfer-encoding'] === 'chunked') {
          const parts: Buffer[] = [];
          for (;;) {
            const le = rest.indexOf('\r\n');
            if (le < 0) return;
            const size = Number.parseInt(rest.subarray(0, le).toString(), 16);
            if (rest.length < le + 2 + size + 2) return;
            parts.push(rest.subarray(le + 2, le + 2 + size));
            rest = rest.subarray(le + 2 + size + 2);
            if (size === 0) break;
          }
          body = Buffer.concat(parts);
        } else {
          const n = Number(headers['content-length'] ?? 0);
          if (rest.length < n) return;
          body = rest.subarray(0, n);
          rest = rest.subarray(n);
        }
        buf = rest;
        const req = { head, path, method, headers, body, conn };
        requests.push(req);
        if (answeredEarly) answeredEarly = false;
        else answer(req, socket);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => conns,
    received: (conn) => bytes[conn] ?? '',
  };
}

async function proxyTo(port: number, routes?: object[]) {
  const proxy = await startProxy({
    config: httpBootstrap({ clusters: { app: [port] }, ...(routes ? { routes } : {}) }),
  });
  return proxy.origin();
}

const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

test('a HEAD response has no body to wait for, and its connection serves the next request', async () => {
  const up = await rawUpstream((req, s) => {
    if (req.method === 'HEAD') s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n');
    else s.write(ok('after head'));
  });
  const origin = await proxyTo(up.port);
  const head = await httpRequest(`${origin}/h`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect((await httpRequest(`${origin}/g`)).body).toBe('after head');
  expect(up.connections()).toBe(1);
});

test('100 Continue and 103 Early Hints from the upstream are skipped for the final response', async () => {
  const up = await rawUpstream((_req, s) => {
    s.write('HTTP/1.1 100 Continue\r\n\r\n');
    s.write('HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n');
    s.write(ok('final'));
  });
  const origin = await proxyTo(up.port);
  const r = await httpRequest(`${origin}/`);
  expect(r.status).toBe(200);
  expect(r.body).toBe('final');
  expect((await httpRequest(`${origin}/`)).body).toBe('final');
  expect(up.connections()).toBe(1);
});

test('a chunked response with trailers and a close-delimited response arrive whole', async () => {
  const up = await rawUpstream((req, s) => {
    if (req.path === '/chunked') {
      s.write(
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 11\r\n\r\n',
      );
    } else {
      s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nread until the upstream closes');
    }
  });
  const origin = await proxyTo(up.port);
  expect((await httpRequest(`${origin}/chunked`)).body).toBe('hello world');
  expect((await httpRequest(`${origin}/close`)).body).toBe('read until the upstream closes');
  expect((await httpRequest(`${origin}/chunked`)).body).toBe('hello world');
});

test("the upstream's Keep-Alive timeout hint: a second or less means the connection is not reused", async () => {
  const up = await rawUpstream((req, s) => {
    s.write(ok(req.path, req.path === '/hint' ? 'keep-alive: timeout=1\r\n' : ''));
  });
  const origin = await proxyTo(up.port);
  for (const path of ['/plain', '/plain', '/hint', '/plain', '/plain']) {
    expect((await httpRequest(`${origin}${path}`)).body).toBe(path);
  }
  expect(up.requests.map((r) => r.conn)).toEqual([0, 0, 0, 1, 1]);
});

test('a malformed response is a 503 with reset reason protocol error; the next request gets a new connection', async () => {
  const up = await rawUpstream((req, s) => {
    if (req.path === '/bad') s.write('HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\nxx');
    else s.write(ok('good'));
  });
  const origin = await proxyTo(up.port);
  const bad = await httpRequest(`${origin}/bad`);
  expect(bad.status).toBe(503);
  expect(bad.body).toContain('protocol error');
  expect((await httpRequest(`${origin}/good`)).body).toBe('good');
  expect(up.requests.map((r) => r.conn)).toEqual([0, 1]);
});

test('a response cut short by the upstream is cut short downstream too, never completed', async () => {
  const up = await rawUpstream((_req, s) => {
    s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b');
  });
  const port = Number(new URL(await proxyTo(up.port)).port);
  const r = await rawExchange(port, ['GET /cut HTTP/1.1\r\nHost: app\r\n\r\n']);
  const text = r.data.toString('latin1');
  expect(text).toMatch(/^HTTP\/1\.1 200/);
  expect(text.endsWith('only ten b')).toBe(true);
  expect(r.closedByServer).toBe(true);
});

test('an upstream answering before the request body has all arrived: the answer is forwarded, the connection dropped', async () => {
  const up = await rawUpstream((req, s) => s.write(req.path === '/early' ? ok('too large') : ok('fresh')), {
    early: (path) => path === '/early',
  });
  const port = Number(new URL(await proxyTo(up.port)).port);
  const r = await rawExchange(port, ['POST /early HTTP/1.1\r\nHost: app\r\ncontent-length: 10\r\n\r\nhalf', 'rest!!'], {
    gapMs: 300,
  });
  expect(r.data.toString('latin1')).toMatch(/^HTTP\/1\.1 200[\s\S]*too large$/);
  const origin = `http://127.0.0.1:${port}`;
  expect((await httpRequest(`${origin}/next`)).body).toBe('fresh');
  // The rest of the early request's body never reached the upstream, on that connection or as a request.
  expect(up.requests.filter((q) => q.path === '/next').map((q) => q.conn)).toEqual([1]);
  expect(up.received(0)).toContain('half');
  expect(up.received(0)).not.toContain('rest!!');
});

test('bytes from the upstream on an idle connection drop it; the next request goes on a new one', async () => {
  const up = await rawUpstream((_req, s) => {
    s.write(ok('one'));
    setTimeout(() => s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nstray'), 50);
  });
  const origin = await proxyTo(up.port);
  expect((await httpRequest(`${origin}/1`)).body).toBe('one');
  await new Promise((r) => setTimeout(r, 200));
  expect((await httpRequest(`${origin}/2`)).body).toBe('one');
  expect(up.requests.map((r) => r.conn)).toEqual([0, 1]);
});

test('request bodies: content-length sent as it is, a chunked upload re-chunked, a bodyless POST says length 0', async () => {
  const up = await rawUpstream((req, s) =>
    s.write(ok(`${req.headers['content-length'] ?? '-'}:${req.headers['transfer-encoding'] ?? '-'}:${req.body}`)),
  );
  const port = Number(new URL(await proxyTo(up.port)).port);
  const origin = `http://127.0.0.1:${port}`;
  expect((await httpRequest(`${origin}/cl`, { method: 'POST', body: 'abc' })).body).toBe('3:-:abc');
  const chunked = await rawExchange(port, [
    'POST /te HTTP/1.1\r\nHost: app\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nabc\r\n',
    '2\r\nde\r\n0\r\n\r\n',
  ]);
  expect(chunked.data.toString('latin1')).toMatch(/-:chunked:abcde$/);
  const empty = await rawExchange(port, ['POST /empty HTTP/1.1\r\nHost: app\r\nconnection: close\r\n\r\n']);
  expect(empty.data.toString('latin1')).toMatch(/0:-:$/);
});

test('a configured header value with CR LF never reaches the codec: the configuration is refused, naming the field', async () => {
  // The codec checks every value too (test/proxy/http1-request-head.test.ts); this is the
  // first line of defence.
  const up = await rawUpstream((_req, s) => s.write(ok('reached')));
  const started = proxyTo(up.port, [
    {
      match: { prefix: '/' },
      route: { cluster: 'app' },
      request_headers_to_add: [{ header: { key: 'x-added', value: 'a\r\nx-injected: 1' } }],
    },
  ]);
  await expect(started).rejects.toThrow(/request_headers_to_add\[0\]\.header\.value: must not contain NUL, CR or LF/);
  expect(up.requests).toHaveLength(0);
});
