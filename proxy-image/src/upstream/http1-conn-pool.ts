/**
 * HTTP/1.1 connection pool for one host: keep-alive connections (one request at a time each),
 * created on demand up to the cluster's `max_connections`. A request with no idle connection
 * waits as pending (bounded by `max_pending_requests`) until one frees up or connects, as in
 * Envoy's pool.
 */

import type { HeaderMap } from '../http/header-map';
import {
  type ConnPool,
  type UpstreamCallbacks,
  UpstreamFailure,
  type UpstreamFailureKind,
  type UpstreamRequestSpec,
  type UpstreamStream,
} from './conn-pool';
import {
  CONNECT_TIMEOUT,
  Http1ClientConnection,
  type Http1ConnectionEvents,
  type Http1Exchange,
} from './http1-client-connection';
import type { PoolContext } from './pool-context';

class Http1Stream implements UpstreamStream, Http1Exchange {
  conn: Http1ClientConnection | undefined;
  pending = false;
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
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.conn?.resume();
  }

  onStart(): void {
    this.pool.started(this);
    this.cb.onStart(undefined);
  }

  onHeaders(status: number, headers: HeaderMap): boolean {
    if (this.done) return false;
    this.cb.onHeaders(status, headers, false);
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false;
    this.cb.onData(chunk);
    return !this.paused;
  }

  onComplete(trailers: HeaderMap | undefined): void {
    if (this.done) return;
    this.done = true;
    this.pool.finished(this, true);
    this.cb.onEnd(trailers);
  }

  onFailure(kind: UpstreamFailureKind, message: string): void {
    if (this.done) return;
    this.done = true;
    this.pool.finished(this, false);
    this.cb.onError(new UpstreamFailure(kind, message));
  }
}

export class Http1ConnPool implements ConnPool, Http1ConnectionEvents {
  private readonly conns: Http1ClientConnection[] = [];
  private readonly queue: Http1Stream[] = [];
  private draining = false;
  private active = 0;

  constructor(readonly ctx: PoolContext) {}

  get busy(): number {
    return this.active + this.queue.length;
  }

  newStream(spec: UpstreamRequestSpec, cb: UpstreamCallbacks): UpstreamStream {
    const s = new Http1Stream(this, spec, cb);
    const { stats, resources } = this.ctx;
    const idle = this.conns.find((c) => c.idle);
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
    // A connection still connecting with no request on it (its request was cancelled).
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

  private createConn(): Http1ClientConnection {
    const { host, tls, connectTimeoutMs, idleTimeoutMs } = this.ctx;
    const conn = new Http1ClientConnection(
      { address: host.address, port: host.port, tls, connectTimeoutMs, idleTimeoutMs },
      this,
    );
    this.ctx.resources.connections.inc();
    this.conns.push(conn);
    return conn;
  }

  onConnected(): void {
    const { stats, host } = this.ctx;
    stats.upstream_cx_total.inc();
    stats.upstream_cx_http1_total.inc();
    stats.upstream_cx_active.inc();
    host.cxTotal++;
    host.cxActive++;
    this.serveQueue();
  }

  onConnectFailed(_conn: Http1ClientConnection, code: string): void {
    if (code === CONNECT_TIMEOUT) this.ctx.stats.upstream_cx_connect_timeout.inc();
    this.ctx.stats.upstream_cx_connect_fail.inc();
    this.ctx.host.cxConnectFail++;
  }

  onClosed(conn: Http1ClientConnection): void {
    const { stats, host } = this.ctx;
    if (conn.connected) {
      stats.upstream_cx_active.dec();
      stats.upstream_cx_destroy.inc();
      host.cxActive--;
    }
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    this.ctx.resources.connections.dec();
    this.serveQueue();
  }

  private dispatch(conn: Http1ClientConnection, s: Http1Stream): void {
    s.conn = conn;
    conn.send(s);
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
      return;
    }
    const conn = s.conn;
    if (!conn) return;
    s.conn = undefined;
    this.removePending(s);
    this.active--;
    conn.abort();
  }

  finished(s: Http1Stream, ok: boolean): void {
    this.removePending(s);
    const conn = s.conn;
    if (!conn) return;
    s.conn = undefined;
    this.active--;
    const max = this.ctx.maxRequestsPerConnection;
    if (!ok || this.draining || (max > 0 && conn.requests >= max)) {
      conn.destroy();
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
    for (const c of [...this.conns]) if (!c.busy) c.destroy();
  }
}
