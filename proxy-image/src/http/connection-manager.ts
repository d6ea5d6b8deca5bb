/**
 * The HTTP connection manager network filter (Envoy's `http_connection_manager`): speaks
 * HTTP/1.1 and h2c on the connections a listener hands it (sniffing the HTTP/2 preface when
 * the codec is AUTO), enforces the codec limits (header size and count, request-headers
 * timeout, idle timeout, concurrent streams), and runs an ActiveStream per request. HTTP/1.1
 * is the proxy's own codec over llhttp (http1-server-connection.ts); HTTP/2 is Node's nghttp2.
 */
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { ClusterManager } from '../cluster/cluster-manager';
import type { HcmConfig } from '../config/http-connection-manager';
import type { DownstreamConnection } from '../listener/downstream-connection';
import type { RouteConfigProvider } from '../router/route-config-provider';
import type { RouteTable } from '../router/route-table';
import type { Counter } from '../stats/metric';
import type { StatsStore } from '../stats/store';
import { ActiveStream, type StreamContext } from './active-stream';
import { Http2Downstream } from './downstream';
import { HcmStats } from './hcm-stats';
import { type HeaderMap, type RequestHeaders, requestHeadersFromRawList } from './header-map';
import { Http1ServerConnection, type Http1ServerOptions } from './http1-server-connection';
import type { Http1ServerStream } from './http1-server-stream';
import { guardPrematureResets } from './premature-reset';
import { RequestBody } from './request-body';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const CONN = Symbol('trellis.connection');
/** Bytes of a request body kept so a retry can resend it (see README: retries). */
export const RETRY_BUFFER_BYTES = 64 * 1024;

/** On shutdown, how long an idle HTTP/1 keep-alive connection stays open before it is closed. */
const SHUTDOWN_IDLE_GRACE_MS = 500;

/** How often HTTP/1.1 connections' header and idle timeouts are checked, at most. */
const SWEEP_MS = 1000;

type Tagged = { [CONN]?: DownstreamConnection };

export class HttpConnectionManager implements StreamContext {
  readonly stats: HcmStats;
  private readonly prematureResets: Counter;
  private readonly h1Options: Http1ServerOptions;
  private readonly h1Connections = new Set<Http1ServerConnection>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly h2: http2.Http2Server;
  private draining = false;
  private readonly connections = new Set<DownstreamConnection>();

  constructor(
    readonly config: HcmConfig,
    readonly clusterManager: ClusterManager,
    store: StatsStore,
    private readonly rds: RouteConfigProvider | undefined,
  ) {
    this.stats = new HcmStats(store, config.statPrefix);
    this.prematureResets = store.counter(`http.${config.statPrefix}.downstream_rq_too_many_premature_resets`);
    for (const f of config.filters.filters) {
      f.bindStats?.({ store, prefix: `http.${config.statPrefix}.`, clusterManager });
    }
    this.h1Options = {
      maxHeaderBytes: config.maxRequestHeadersBytes,
      headersTimeoutMs: config.requestHeadersTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      retainBytes: RETRY_BUFFER_BYTES,
    };
    this.h2 = http2.createServer({
      settings: { maxConcurrentStreams: config.maxConcurrentStreams, maxHeaderListSize: config.maxRequestHeadersBytes },
      maxHeaderListPairs: config.maxHeadersCount + 8,
      maxSessionMemory: 64,
    });
    this.h2.on(
      'stream',
      (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, raw: string[]) =>
        this.onHttp2Stream(stream, headers, flags, raw),
    );
    this.h2.on('sessionError', () => {});
  }

  isDraining(): boolean {
    return this.draining;
  }

  private routeTable(): RouteTable | undefined {
    if (this.rds) return this.rds.table;
    return this.config.routes.kind === 'static' ? this.config.routes.table : undefined;
  }

  /** Takes over an accepted connection. */
  handle(conn: DownstreamConnection): void {
    const socket = conn.socket;
    this.connections.add(conn);
    this.stats.downstream_cx_total.inc();
    this.stats.downstream_cx_active.inc();
    socket.once('close', () => {
      this.connections.delete(conn);
      this.stats.downstream_cx_active.dec();
      this.stats.downstream_cx_destroy.inc();
    });
    const codec = this.config.codec;
    if (codec === 'HTTP1') {
      this.startHttp1(conn, undefined);
      return;
    }
    if (codec === 'HTTP2') {
      this.startHttp2(conn, undefined);
      return;
    }
    let buf: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const n = Math.min(buf.length, PREFACE.length);
      const prefix = buf.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (prefix && buf.length < PREFACE.length) return;
      socket.removeListener('data', onData);
      socket.pause();
      if (prefix) this.startHttp2(conn, buf);
      else this.startHttp1(conn, buf);
    };
    socket.on('data', onData);
  }

  private startHttp1(conn: DownstreamConnection, head: Buffer | undefined): void {
    const socket = conn.socket;
    this.stats.downstream_cx_http1_total.inc();
    this.stats.downstream_cx_http1_active.inc();
    let counted = false;
    conn.onDrain = (soon) => {
      if (!counted) this.stats.downstream_cx_drain_close.inc();
      counted = true;
      // Busy connections close after their response (Connection: close). Idle keep-alive ones
      // close after a short grace on shutdown (a request already on the wire is read and
      // served with Connection: close instead of being cut off), or after drain_timeout on a
      // config change.
      if (conn.activeStreams > 0) return;
      const grace = soon ? Math.min(SHUTDOWN_IDLE_GRACE_MS, this.config.drainTimeoutMs) : this.config.drainTimeoutMs;
      setTimeout(() => conn.activeStreams === 0 && socket.end(), grace).unref();
    };
    const codec: Http1ServerConnection = new Http1ServerConnection(
      socket,
      this.h1Options,
      {
        onRequest: (stream) => this.onHttp1Request(conn, stream),
        onCodecError: (status) => this.onHttp1Error(status),
        onIdleTimeout: () => this.stats.downstream_cx_idle_timeout.inc(),
        closing: () => this.draining || conn.draining,
        onDrained: () => conn.onDrain?.(conn.drainSoon),
      },
      head,
    );
    this.h1Connections.add(codec);
    this.sweepTimer ??= setInterval(() => this.sweep(), this.sweepInterval()).unref();
    socket.once('close', () => {
      this.stats.downstream_cx_http1_active.dec();
      this.h1Connections.delete(codec);
      if (this.h1Connections.size === 0) {
        clearInterval(this.sweepTimer);
        this.sweepTimer = undefined;
      }
    });
    if (conn.draining) conn.onDrain(conn.drainSoon);
  }

  /** A quarter of the shortest timeout, so it is kept within 25 %; at most once a second. */
  private sweepInterval(): number {
    const { headersTimeoutMs, idleTimeoutMs } = this.h1Options;
    const shortest = Math.min(headersTimeoutMs || Infinity, idleTimeoutMs || Infinity);
    return Math.max(10, Math.min(SWEEP_MS, Math.floor(shortest / 4)));
  }

  private sweep(): void {
    const now = performance.now();
    for (const c of this.h1Connections) c.sweep(now);
  }

  private startHttp2(conn: DownstreamConnection, head: Buffer | undefined): void {
    const socket = conn.socket;
    let transport: Duplex | Socket = socket;
    if (head && !(socket as { encrypted?: boolean }).encrypted) {
      // Plain TCP: bytes read while sniffing go back into the socket's buffer; the HTTP/2
      // session takes the socket's handle directly (no JS stream in between, which cost a copy
      // and a callback per chunk) and first feeds itself what the socket buffered (Node ≥ 18.13).
      socket.unshift(head);
    } else if (head) {
      // A TLS socket's handle carries ciphertext: its decrypted bytes are replayed through a stream.
      transport = replaying(socket, head);
    }
    this.stats.downstream_cx_http2_total.inc();
    this.stats.downstream_cx_http2_active.inc();
    socket.once('close', () => this.stats.downstream_cx_http2_active.dec());
    this.h2.once('session', (session) => {
      (session as unknown as Tagged)[CONN] = conn;
      guardPrematureResets(session, () => this.prematureResets.inc());
      conn.onDrain = () => {
        this.stats.downstream_cx_drain_close.inc();
        // GOAWAY: no new streams; the connection closes when the last stream ends.
        session.close();
      };
      if (conn.draining) conn.onDrain(conn.drainSoon);
    });
    this.h2.emit('connection', transport);
  }

  private onHttp1Error(status: number): void {
    this.stats.downstream_cx_protocol_error.inc();
    if (status === 431) this.stats.downstream_rq_too_large.inc();
    else if (status === 408) this.stats.downstream_rq_header_timeout.inc();
    this.stats.downstream_rq_total.inc();
    this.stats.responseClass(status);
  }

  private onHttp1Request(conn: DownstreamConnection, s: Http1ServerStream): void {
    const headers = requestHeadersFromRawList(s.rawHeaders);
    let path = s.url;
    let authority = (headers.host as string | undefined) ?? '';
    if (!path.startsWith('/') && path !== '*') {
      // Absolute form (`GET http://host/path`): its authority wins over Host, consistently.
      try {
        const u = new URL(path);
        authority = u.host;
        path = `${u.pathname}${u.search}`;
      } catch {
        path = '/';
      }
    }
    const protocol = s.protocol;
    if (protocol === 'HTTP/1.0' && !authority) authority = this.config.defaultHostForHttp10;
    // A TLS connection (the handshake set conn.peer) carries https (x-forwarded-proto, RBAC, JWT realm).
    const scheme = conn.peer ? 'https' : 'http';
    const request: RequestHeaders = { method: s.method, path, authority, scheme, headers };
    const stream = new ActiveStream(this, conn, s, request, s.body, this.routeTable());
    stream.info.downstreamPeerUriSan = conn.peer?.sans.URI[0];
    if (protocol === 'HTTP/1.0' && !this.config.acceptHttp10) {
      stream.run(0);
      return;
    }
    stream.run(s.rawHeaders.length / 2);
  }

  private onHttp2Stream(
    stream: http2.ServerHttp2Stream,
    h: http2.IncomingHttpHeaders,
    flags: number,
    raw: string[],
  ): void {
    // First thing: a client's RST_STREAM (rapid reset) errors the stream, and an unhandled
    // stream error would end the process.
    stream.on('error', () => {});
    const conn = (stream.session as unknown as Tagged | undefined)?.[CONN];
    if (!conn) {
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const headers: HeaderMap = {};
    let count = 0;
    for (const k in h) {
      if (k.charCodeAt(0) === 58) continue;
      headers[k] = h[k];
    }
    for (let i = 0; i < raw.length; i += 2) if (raw[i].charCodeAt(0) !== 58) count++;
    const request: RequestHeaders = {
      method: (h[':method'] as string) ?? 'GET',
      path: (h[':path'] as string) ?? '/',
      authority: ((h[':authority'] ?? h.host) as string | undefined) ?? '',
      scheme: (h[':scheme'] as string) ?? 'http',
      headers,
    };
    const ended = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    const body = RequestBody.fromReadable(ended ? undefined : stream, RETRY_BUFFER_BYTES);
    if (ended) stream.resume();
    const downstream = new Http2Downstream(stream);
    const active = new ActiveStream(this, conn, downstream, request, body, this.routeTable());
    active.info.downstreamPeerUriSan = conn.peer?.sans.URI[0];
    active.run(count);
  }

  /** Graceful close of every connection (`soon`: shutdown; otherwise a config change). */
  drain(soon = false): void {
    this.draining = true;
    for (const c of this.connections) c.drain(soon);
  }

  get activeConnections(): number {
    return this.connections.size;
  }
}

/** A stream that yields `head`, then everything `socket` reads, and writes through to it. */
function replaying(socket: Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read: () => socket.resume(),
    write: (chunk, _enc, cb) => socket.write(chunk, cb),
    final: (cb) => {
      socket.end();
      cb();
    },
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  socket.on('error', () => {});
  socket.resume();
  return d;
}
