/**
 * Clients for proxy tests: single requests over HTTP/1.1 (undici) or h2c (node:http2), and a
 * load generator that runs N requests at a given concurrency and reports statuses and failures.
 */
import http2 from 'node:http2';
import { Agent, Pool, request } from 'undici';

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly trailers?: Record<string, string | string[] | undefined>;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Fresh connection per request (no keep-alive). */
  fresh?: boolean;
}

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

export async function httpRequest(url: string, opts: RequestOptions = {}): Promise<Response> {
  const dispatcher = opts.fresh ? new Agent({ pipelining: 0 }) : agent;
  try {
    const res = await request(url, {
      method: (opts.method ?? 'GET') as 'GET',
      headers: opts.headers,
      body: opts.body,
      dispatcher,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const body = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers as Response['headers'],
      body,
      trailers: res.trailers as Response['trailers'],
    };
  } finally {
    if (opts.fresh) await dispatcher.close();
  }
}

/** One request over h2c with prior knowledge; resolves with headers, body and trailers. */
export function http2Request(origin: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    session.on('error', reject);
    const req = session.request({ ':method': opts.method ?? 'GET', ':path': path, ...opts.headers });
    let headers: Response['headers'] = {};
    let trailers: Response['trailers'];
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      headers = h as Response['headers'];
    });
    req.on('trailers', (t) => {
      trailers = t as Response['trailers'];
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      session.close();
      resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString(), trailers });
    });
    req.on('error', (e) => {
      session.destroy();
      reject(e);
    });
    if (opts.body) req.end(opts.body);
    else req.end();
  });
}

export interface LoadResult {
  readonly statuses: Map<number, number>;
  readonly errors: string[];
  /** Responses whose status was not in `ok`, with their bodies (first few). */
  readonly unexpected: Array<{ status: number; body: string }>;
  readonly bodies: string[];
  readonly headers: Array<Record<string, string | string[] | undefined>>;
}

export interface LoadOptions {
  readonly origin: string;
  readonly total: number;
  readonly concurrency: number;
  readonly request?: (i: number) => { path: string; method?: string; headers?: Record<string, string>; body?: string };
  /** Statuses that count as success (default: 200). */
  readonly ok?: readonly number[];
  readonly keepBodies?: boolean;
  /** Called after each response (e.g. to trigger an action halfway). */
  readonly onProgress?: (done: number) => void;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(o.origin, { connections: o.concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  const statuses = new Map<number, number>();
  const errors: string[] = [];
  const unexpected: LoadResult['unexpected'] = [];
  const bodies: string[] = [];
  const headers: LoadResult['headers'] = [];
  const ok = new Set(o.ok ?? [200]);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= o.total) return;
      const spec = o.request ? o.request(i) : { path: '/' };
      try {
        const res = await pool.request({
          path: spec.path,
          method: (spec.method ?? 'GET') as 'GET',
          headers: spec.headers,
          body: spec.body,
        });
        const body = await res.body.text();
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (!ok.has(res.statusCode) && unexpected.length < 20) unexpected.push({ status: res.statusCode, body });
        if (o.keepBodies) {
          bodies.push(body);
          headers.push(res.headers as Record<string, string | string[] | undefined>);
        }
      } catch (e) {
        errors.push(`${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`);
      }
      done++;
      o.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  await pool.close();
  return { statuses, errors, unexpected, bodies, headers };
}

/** Requests whose status was not in `ok`, plus transport errors. */
export function failures(r: LoadResult, ok: readonly number[] = [200]): number {
  let n = r.errors.length;
  for (const [s, c] of r.statuses) if (!ok.includes(s)) n += c;
  return n;
}
