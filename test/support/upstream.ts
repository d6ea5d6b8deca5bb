/**
 * Upstream servers for proxy tests: real HTTP/1.1 or h2c servers on 127.0.0.1 (port 0) that
 * record every request they receive (method, path, headers, body) and answer with a handler
 * the test can swap. The default answer names the upstream, so tests can count who served.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly httpVersion: string;
}

/** The parts of a response a handler uses; both HTTP/1 and HTTP/2 compat responses have them. */
export interface UpstreamResponse {
  writeHead(status: number, headers?: Record<string, string | string[]>): unknown;
  write(chunk: string | Buffer): boolean;
  end(body?: string | Buffer): unknown;
  addTrailers(headers: Record<string, string>): void;
  destroy(): void;
  readonly socket: unknown;
}

export type UpstreamHandler = (req: RecordedRequest, res: UpstreamResponse) => void | Promise<void>;

export interface HttpUpstream {
  readonly name: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  setHandler(handler: UpstreamHandler): void;
  close(): Promise<void>;
}

export function defaultHandler(name: string): UpstreamHandler {
  return (req, res) => {
    const body = JSON.stringify({ upstream: name, method: req.method, path: req.path });
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
    res.end(body);
  };
}

const open = new Set<HttpUpstream>();

export async function startUpstream(
  name: string,
  options: {
    http2?: boolean;
    handler?: UpstreamHandler /** A fixed port (to restart a host where it was); default 0. */;
    port?: number;
  } = {},
): Promise<HttpUpstream> {
  const requests: RecordedRequest[] = [];
  let handler = options.handler ?? defaultHandler(name);
  const onRequest = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers as IncomingHttpHeaders,
        body: Buffer.concat(chunks),
        httpVersion: req.httpVersion,
      };
      requests.push(rec);
      Promise.resolve(handler(rec, res as unknown as UpstreamResponse)).catch(() => res.destroy());
    });
  };
  let server: http.Server | http2.Http2Server;
  if (options.http2) {
    server = http2.createServer({}, onRequest);
  } else {
    const s = http.createServer({ keepAliveTimeout: 60_000 }, onRequest);
    s.headersTimeout = 61_000;
    server = s;
  }
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s: import('node:net').Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const up: HttpUpstream = {
    name,
    port,
    requests,
    setHandler(h) {
      handler = h;
    },
    close() {
      open.delete(up);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(up);
  return up;
}

export async function closeAllUpstreams(): Promise<void> {
  await Promise.all([...open].map((u) => u.close()));
}
