/**
 * HTTP/2 connection pool for one host (h2c with prior knowledge): streams are multiplexed on
 * as few connections as the peer's SETTINGS_MAX_CONCURRENT_STREAMS (and the cluster's own
 * limit) allow. A connection that received GOAWAY takes no new streams. Streams wait as
 * pending while the first connection is being made. REFUSED_STREAM is reported as such, so
 * the router may retry it safely.
 */
import http2 from 'node:http2';
import type { HeaderMap } from '../http/header-map';
import {
  type ConnPool,
  type UpstreamCallbacks,
  UpstreamFailure,
  type UpstreamRequestSpec,
  type UpstreamStream,
} from './conn-pool';
import type { PoolContext } from './pool-context';

const { NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL } = http2.constants;

interface Session {
  readonly session: http2.ClientHttp2Session;
  active: number;
  connected: boolean;
  goaway: boolean;
  closed: boolean;
  total: number;
}

function stripPseudo(h: http2.IncomingHttpHeaders): HeaderMap {
  const out: HeaderMap = {};
  for (const k in h) if (k.charCodeAt(0) !== 58) out[k] = h[k];
  return out;
}

class Http2Stream implements UpstreamStream {
  stream: http2.ClientHttp2Stream | undefined;
  session: Session | undefined;
  pending = false;
  done = false;
  private gotHeaders = false;
  private trailers: HeaderMap | undefined;

  constructor(
    readonly pool: Http2ConnPool,
    readonly spec: UpstreamRequestSpec,
    readonly cb: UpstreamCallbacks,
  ) {}

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.pool.ctx.stats.upstream_rq_cancelled.inc();
    if (this.stream) this.stream.close(NGHTTP2_CANCEL);
    this.pool.finished(this);
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  start(s: Session): void {
    this.session = s;
    const spec = this.spec;
    const headers: http2.OutgoingHttpHeaders = {
      ...(spec.headers as http2.OutgoingHttpHeaders),
      ':method': spec.method,
      ':path': spec.path,
      ':authority': spec.authority,
      ':scheme': spec.scheme,
    };
    let stream: http2.ClientHttp2Stream;
    try {
      stream = s.session.request(headers, { endStream: spec.body.empty });
    } catch (e) {
      this.fail(new UpstreamFailure('reset', (e as Error).message));
      return;
    }
    this.stream = stream;
    this.cb.onStart(s.session.socket?.localAddress);
    stream.on('response', (h, flags) => {
      if (this.done) return;
      const status = Number(h[':status']);
      if (status < 200) return;
      this.gotHeaders = true;
      this.cb.onHeaders(status, stripPseudo(h), (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0);
    });
    stream.on('data', (chunk: Buffer) => {
      if (!this.done) this.cb.onData(chunk);
    });
    stream.on('trailers', (t) => {
      this.trailers = stripPseudo(t);
    });
    stream.on('end', () => {
      if (this.done) return;
      if (!this.gotHeaders) return;
      this.done = true;
      this.pool.finished(this);
      this.cb.onEnd(this.trailers);
    });
    stream.on('error', () => {});
    stream.on('close', () => {
      if (this.done) return;
      const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM;
      this.fail(
        new UpstreamFailure(
          refused ? 'refused_stream' : 'reset',
          refused ? 'refused stream' : `stream reset (code ${stream.rstCode})`,
          this.gotHeaders,
        ),
      );
    });
    if (!spec.body.empty) void this.writeBody(stream);
  }

  private async writeBody(stream: http2.ClientHttp2Stream): Promise<void> {
    const c = this.spec.body.cursor();
    try {
      for (;;) {
        const chunk = await this.spec.body.read(c);
        if (this.done || stream.destroyed) return;
        if (chunk === null) {
          stream.end();
          return;
        }
        if (!stream.write(chunk)) {
          await new Promise<void>((resolve) => {
            const go = () => {
              stream.off('drain', go);
              stream.off('close', go);
              resolve();
            };
            stream.on('drain', go);
            stream.on('close', go);
          });
        }
      }
    } catch {
      // The downstream body failed: abandon the upstream stream too.
      if (!stream.destroyed) stream.close(NGHTTP2_CANCEL);
    }
  }

  fail(f: UpstreamFailure): void {
    if (this.done) return;
    this.done = true;
    this.pool.finished(this);
    this.cb.onError(f);
  }
}

export class Http2ConnPool implements ConnPool {
  private readonly sessions: Session[] = [];
  private readonly queue: Http2Stream[] = [];
  private draining = false;
  private active = 0;

  constructor(readonly ctx: PoolContext) {}

  get busy(): number {
    return this.active + this.queue.length;
  }

  private capacity(s: Session): number {
    const remote = s.session.remoteSettings?.maxConcurrentStreams ?? 100;
    return Math.min(remote, this.ctx.http2.maxConcurrentStreams);
  }

  private usable(s: Session): boolean {
    if (s.closed || s.goaway) return false;
    const max = this.ctx.maxRequestsPerConnection;
    return max === 0 || s.total < max;
  }

  newStream(spec: UpstreamRequestSpec, cb: UpstreamCallbacks): UpstreamStream {
    const st = new Http2Stream(this, spec, cb);
    const { stats, resources } = this.ctx;
    this.active++;
    const ready = this.sessions.find((s) => s.connected && this.usable(s) && s.active < this.capacity(s));
    if (ready) {
      this.attach(ready, st);
      return st;
    }
    if (!resources.pendingRequests.canCreate()) {
      this.active--;
      st.done = true;
      stats.upstream_rq_pending_overflow.inc();
      queueMicrotask(() => cb.onError(new UpstreamFailure('overflow', 'pending requests overflow')));
      return st;
    }
    st.pending = true;
    resources.pendingRequests.inc();
    stats.upstream_rq_pending_total.inc();
    stats.upstream_rq_pending_active.inc();
    this.queue.push(st);
    const connecting = this.sessions.some((s) => !s.connected && this.usable(s));
    if (!connecting) {
      if (resources.connections.canCreate()) this.connect();
      else stats.upstream_cx_overflow.inc();
    }
    return st;
  }

  private unpend(st: Http2Stream): void {
    if (!st.pending) return;
    st.pending = false;
    this.ctx.resources.pendingRequests.dec();
    this.ctx.stats.upstream_rq_pending_active.dec();
  }

  private attach(s: Session, st: Http2Stream): void {
    this.unpend(st);
    s.active++;
    s.total++;
    st.start(s);
  }

  private connect(): void {
    const { host, stats, resources } = this.ctx;
    const tls = this.ctx.tls;
    const session = http2.connect(tls ? `https://${host.key}` : `http://${host.key}`, {
      // TLS: the socket is opened and its peer checked by the cluster's transport socket.
      createConnection: tls ? () => tls.connect(host.address, host.port, 'http2', () => {}) as never : undefined,
      settings: {
        enablePush: false,
        initialWindowSize: Math.min(this.ctx.http2.initialStreamWindowSize, 2 ** 31 - 1),
      },
      peerMaxConcurrentStreams: 100,
    });
    const s: Session = { session, active: 0, connected: false, goaway: false, closed: false, total: 0 };
    this.sessions.push(s);
    resources.connections.inc();
    const timer = setTimeout(() => {
      stats.upstream_cx_connect_timeout.inc();
      session.destroy(new Error('connect timeout'));
    }, this.ctx.connectTimeoutMs);
    session.on('connect', () => {
      clearTimeout(timer);
      s.connected = true;
      stats.upstream_cx_total.inc();
      stats.upstream_cx_http2_total.inc();
      stats.upstream_cx_active.inc();
      host.cxTotal++;
      host.cxActive++;
      session.setTimeout(this.ctx.idleTimeoutMs, () => {
        if (s.active === 0) session.close();
      });
      this.serveQueue();
    });
    session.on('remoteSettings', () => this.serveQueue());
    session.on('goaway', () => {
      s.goaway = true;
      this.serveQueue();
    });
    session.on('error', () => {});
    session.on('close', () => {
      clearTimeout(timer);
      s.closed = true;
      const i = this.sessions.indexOf(s);
      if (i >= 0) this.sessions.splice(i, 1);
      resources.connections.dec();
      if (s.connected) {
        stats.upstream_cx_active.dec();
        stats.upstream_cx_destroy.inc();
        host.cxActive--;
      } else {
        stats.upstream_cx_connect_fail.inc();
        host.cxConnectFail++;
        // Nothing else is connecting: the streams waiting for this connection fail with it.
        if (!this.sessions.some((o) => !o.closed)) {
          for (const st of this.queue.splice(0)) {
            this.unpend(st);
            st.fail(new UpstreamFailure('connect_failure', 'connection failure'));
          }
        }
      }
      this.serveQueue();
    });
  }

  private serveQueue(): void {
    while (this.queue.length > 0) {
      const ready = this.sessions.find((s) => s.connected && this.usable(s) && s.active < this.capacity(s));
      if (ready) {
        this.attach(ready, this.queue.shift()!);
        continue;
      }
      const connecting = this.sessions.some((s) => !s.connected && this.usable(s));
      if (!connecting && !this.draining && this.ctx.resources.connections.canCreate()) this.connect();
      return;
    }
  }

  finished(st: Http2Stream): void {
    const qi = this.queue.indexOf(st);
    if (qi >= 0) this.queue.splice(qi, 1);
    this.unpend(st);
    this.active--;
    const s = st.session;
    if (s) {
      st.session = undefined;
      s.active--;
      if (s.active === 0 && (s.goaway || this.draining || !this.usable(s))) s.session.close();
    }
    this.serveQueue();
  }

  drain(): void {
    this.draining = true;
    for (const s of this.sessions)
      if (s.active === 0) s.session.close();
      else s.goaway = true;
  }
}
