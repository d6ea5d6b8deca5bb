/**
 * HTTP/1.1 connection pool for one host: keep-alive connections (an undici Client each, one
 * request at a time), created on demand up to the cluster's `max_connections`. A request with
 * no idle connection waits as pending (bounded by `max_pending_requests`) until one frees up or
 * connects, as in Envoy's pool. undici honours the upstream's `Keep-Alive: timeout` hint, which
 * avoids reusing a connection the server is about to close.
 */

import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import {
  type ConnPool,
  type UpstreamCallbacks,
  UpstreamFailure,
  type UpstreamRequestSpec,
  type UpstreamStream,
} from './conn-pool';
import { headersFromRaw, type PoolContext } from './pool-context';
import { Client } from './undici';

interface Conn {
  readonly client: Client;
  busy: boolean;
  connected: boolean;
  requests: number;
  closed: boolean;
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
]);

class Http1Stream implements UpstreamStream, Dispatcher.DispatchHandler {
  private abortFn: ((err?: Error) => void) | undefined;
  private resumeFn: (() => void) | undefined;
  conn: Conn | undefined;
  pending = false;
  started = false;
  done = false;
  private paused = false;

  constructor(
    readonly pool: Http1ConnPool,
    readonly spec: UpstreamRequestSpec,
    readonly cb: UpstreamCallbacks,
  ) {}

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.pool.cancelled(this);
    this.abortFn?.(new Error('cancelled'));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeFn?.();
  }

  // undici's dispatch handler (the request/response callbacks it drives).
  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.done) {
      abort(new Error('cancelled'));
      return;
    }
    this.started = true;
    this.pool.started(this);
    this.cb.onStart(undefined);
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (this.done) return false;
    if (status < 200) return true;
    this.resumeFn = resume;
    this.cb.onHeaders(status, headersFromRaw(raw), false);
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false;
    this.cb.onData(chunk);
    return !this.paused;
  }

  onComplete(trailers: string[] | null): void {
    const wasDone = this.done;
    this.done = true;
    this.pool.finished(this, true);
    if (wasDone) return;
    this.cb.onEnd(trailers?.length ? headersFromRaw(trailers) : undefined);
  }

  onError(err: Error): void {
    const wasDone = this.done;
    this.done = true;
    this.pool.finished(this, false);
    if (wasDone) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    let failure: UpstreamFailure;
    if (!this.started && CONNECT_ERRORS.has(code)) {
      if (code === 'UND_ERR_CONNECT_TIMEOUT') this.pool.ctx.stats.upstream_cx_connect_timeout.inc();
      failure = new UpstreamFailure('connect_failure', code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect timeout' : code);
    } else if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_INFO') {
      failure = new UpstreamFailure('protocol_error', err.message);
    } else if (!this.started) {
      failure = new UpstreamFailure('connect_failure', code || err.message);
    } else {
      failure = new UpstreamFailure('reset', code || err.message);
    }
    this.cb.onError(failure);
  }
}

export class Http1ConnPool implements ConnPool {
  private readonly conns: Conn[] = [];
  private readonly queue: Http1Stream[] = [];
  private readonly origin: string;
  private draining = false;
  private active = 0;

  constructor(readonly ctx: PoolContext) {
    const h = ctx.host;
    this.origin = `http://${h.key}`;
  }

  get busy(): number {
    return this.active + this.queue.length;
  }

  newStream(spec: UpstreamRequestSpec, cb: UpstreamCallbacks): UpstreamStream {
    const s = new Http1Stream(this, spec, cb);
    const { stats, resources } = this.ctx;
    const idle = this.conns.find((c) => !c.busy && !c.closed && c.connected);
    this.active++;
    if (idle) {
      this.dispatch(idle, s);
      return s;
    }
    if (!resources.pendingRequests.canCreate()) {
      this.active--;
      s.done = true;
      stats.upstream_rq_pending_overflow.inc();
      queueMicrotask(() => cb.onError(new UpstreamFailure('overflow', 'pending requests overflow')));
      return s;
    }
    this.addPending(s);
    const spare = this.conns.find((c) => !c.busy && !c.closed);
    if (spare) this.dispatch(spare, s);
    else if (resources.connections.canCreate()) this.dispatch(this.createConn(), s);
    else {
      stats.upstream_cx_overflow.inc();
      this.queue.push(s);
    }
    return s;
  }

  private addPending(s: Http1Stream): void {
    s.pending = true;
    this.ctx.resources.pendingRequests.inc();
    this.ctx.stats.upstream_rq_pending_total.inc();
    this.ctx.stats.upstream_rq_pending_active.inc();
  }

  private removePending(s: Http1Stream): void {
    if (!s.pending) return;
    s.pending = false;
    this.ctx.resources.pendingRequests.dec();
    this.ctx.stats.upstream_rq_pending_active.dec();
  }

  private createConn(): Conn {
    const { stats, resources, host } = this.ctx;
    const client = new Client(this.origin, {
      pipelining: 1,
      connect: this.ctx.tls
        ? this.ctx.tls.undiciConnector(this.ctx.host.address, this.ctx.host.port, this.ctx.connectTimeoutMs)
        : { timeout: this.ctx.connectTimeoutMs },
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: this.ctx.idleTimeoutMs,
      keepAliveMaxTimeout: this.ctx.idleTimeoutMs,
      strictContentLength: true,
    });
    const conn: Conn = { client, busy: false, connected: false, requests: 0, closed: false };
    resources.connections.inc();
    this.conns.push(conn);
    client.on('connect', () => {
      conn.connected = true;
      stats.upstream_cx_total.inc();
      stats.upstream_cx_http1_total.inc();
      stats.upstream_cx_active.inc();
      host.cxTotal++;
      host.cxActive++;
    });
    client.on('disconnect', () => {
      if (conn.connected) {
        conn.connected = false;
        stats.upstream_cx_active.dec();
        stats.upstream_cx_destroy.inc();
        host.cxActive--;
      }
      // A closed keep-alive connection frees its slot; undici would reconnect, but a fresh
      // conn is created on demand instead so the count of slots equals real connections.
      if (!conn.busy) this.removeConn(conn);
    });
    client.on('connectionError', () => {
      stats.upstream_cx_connect_fail.inc();
      host.cxConnectFail++;
    });
    return conn;
  }

  private removeConn(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    this.ctx.resources.connections.dec();
    conn.client.destroy().catch(() => {});
    this.serveQueue();
  }

  private dispatch(conn: Conn, s: Http1Stream): void {
    conn.busy = true;
    conn.requests++;
    s.conn = conn;
    const spec = s.spec;
    const headers = spec.headers;
    headers.host = spec.authority;
    // undici streams any async iterable; its typings only list Readable.
    const body = spec.body.empty ? null : (spec.body.iterate() as unknown as Readable);
    try {
      conn.client.dispatch({ path: spec.path, method: spec.method, headers, body, blocking: false, reset: false }, s);
    } catch (e) {
      s.onError(e as Error);
    }
  }

  /** The request is on the wire: it stops being pending. */
  started(s: Http1Stream): void {
    this.removePending(s);
  }

  cancelled(s: Http1Stream): void {
    this.ctx.stats.upstream_rq_cancelled.inc();
    const i = this.queue.indexOf(s);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.removePending(s);
      this.active--;
    }
  }

  finished(s: Http1Stream, ok: boolean): void {
    this.removePending(s);
    const conn = s.conn;
    if (!conn) return;
    s.conn = undefined;
    this.active--;
    conn.busy = false;
    const max = this.ctx.maxRequestsPerConnection;
    if (!ok || this.draining || (max > 0 && conn.requests >= max) || !conn.connected) {
      // After an error undici has torn the socket down; after a cancel we abort it. Either way
      // this connection is not reused.
      this.removeConn(conn);
      return;
    }
    this.serveQueue();
  }

  private serveQueue(): void {
    while (this.queue.length > 0) {
      const conn =
        this.conns.find((c) => !c.busy && !c.closed) ??
        (this.ctx.resources.connections.canCreate() ? this.createConn() : undefined);
      if (!conn) return;
      const s = this.queue.shift()!;
      this.dispatch(conn, s);
    }
  }

  drain(): void {
    this.draining = true;
    for (const c of [...this.conns]) if (!c.busy) this.removeConn(c);
  }
}
