/**
 * The HTTP connection manager network filter (Envoy's `http_connection_manager`): speaks
 * HTTP/1.1 and h2c on the connections a listener hands it (sniffing the HTTP/2 preface when
 * the codec is AUTO), enforces the codec limits (header size and count, request-headers
 * timeout, concurrent streams), and runs an ActiveStream per request. Node's llhttp and
 * nghttp2 do the framing; this module configures them and turns their errors into Envoy's
 * responses (400/408/431, connection closed).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
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
import { Http1Downstream, Http2Downstream } from './downstream';
import { HcmStats } from './hcm-stats';
import type { HeaderMap, RequestHeaders } from './header-map';
import { guardPrematureResets } from './premature-reset';
import { RequestBody } from './request-body';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const CONN = Symbol('trellis.connection');
/** Bytes of a request body kept so a retry can resend it (see README: retries). */
export const RETRY_BUFFER_BYTES = 64 * 1024;

/** On shutdown, how long an idle HTTP/1 keep-alive connection stays open before it is closed. */
const SHUTDOWN_IDLE_GRACE_MS = 500;

type Tagged = { [CONN]?: DownstreamConnection };

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

export class HttpConnectionManager implements StreamContext {
  readonly stats: HcmStats;
  private readonly prematureResets: Counter;
  private readonly h1: http.Server;
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
    this.h1 = http.createServer({
      maxHeaderSize: config.maxRequestHeadersBytes,
      requestTimeout: 0,
      headersTimeout: config.requestHeadersTimeoutMs,
      keepAliveTimeout: config.idleTimeoutMs,
      connectionsCheckingInterval: 1000,
      noDelay: true,
      insecureHTTPParser: false,
    });
    // One more than the limit, so the limit being crossed is visible (Node drops the rest).
    this.h1.maxHeadersCount = config.maxHeadersCount + 1;
    // Node enforces headersTimeout (slowloris) from a timer it starts on 'listening'; this server
    // never listens (connections are handed over), so the timer is started here.
    this.h1.emit('listening');
    this.h1.on('request', (req, res) => this.onHttp1Request(req, res));
    this.h1.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.onHttp1Error(err, socket));
    this.h1.on('checkContinue', (req, res) => {
      res.writeContinue();
      this.onHttp1Request(req, res);
    });
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
    const socket = conn.socket as Socket & Tagged;
    socket[CONN] = conn;
    this.stats.downstream_cx_http1_total.inc();
    this.stats.downstream_cx_http1_active.inc();
    socket.once('close', () => this.stats.downstream_cx_http1_active.dec());
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
    if (head) socket.unshift(head);
    this.h1.emit('connection', socket);
    socket.resume();
    if (conn.draining) conn.onDrain(conn.drainSoon);
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

  private onHttp1Error(err: NodeJS.ErrnoException, socket: Socket): void {
    this.stats.downstream_cx_protocol_error.inc();
    const code = err.code ?? '';
    let status = 400;
    if (code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      this.stats.downstream_rq_too_large.inc();
    } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      this.stats.downstream_rq_header_timeout.inc();
    } else if (code === 'HPE_INVALID_TRANSFER_ENCODING') {
      // Envoy: an unknown coding is 501, but Content-Length with Transfer-Encoding (CL.TE) is 400.
      status = /Content-Length/i.test((err as { reason?: string }).reason ?? err.message) ? 400 : 501;
    }
    const busy = (socket as unknown as { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !busy?.headersSent) {
      this.stats.downstream_rq_total.inc();
      this.stats.responseClass(status);
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    }
    socket.destroySoon();
  }

  /** Framing checks llhttp leaves to the application: one Host, no CL with TE, only chunked TE. */
  private framingError(req: IncomingMessage): number {
    const raw = req.rawHeaders;
    let hosts = 0;
    let cl = false;
    let te: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      // Only names as long as the three read here are lowered: no copy per header per request.
      const len = raw[i].length;
      if (len !== 4 && len !== 14 && len !== 17) continue;
      const n = raw[i].toLowerCase();
      if (n === 'host') hosts++;
      else if (n === 'content-length') cl = true;
      else if (n === 'transfer-encoding') te = te === undefined ? raw[i + 1] : `${te},${raw[i + 1]}`;
    }
    if (hosts > 1) return 400;
    if (te !== undefined) {
      if (cl) return 400;
      if (te.trim().toLowerCase() !== 'chunked') return 501;
      if (req.httpVersion === '1.0') return 400;
    }
    return 0;
  }

  private onHttp1Request(req: IncomingMessage, res: ServerResponse): void {
    const conn = (req.socket as Socket & Tagged)[CONN]!;
    const bad = this.framingError(req);
    if (bad) {
      // Ambiguous framing: answer and close without reading (or forwarding) a byte of the body.
      this.stats.downstream_rq_total.inc();
      this.stats.responseClass(bad);
      res.shouldKeepAlive = false;
      res.writeHead(bad, { 'content-length': '0', connection: 'close' });
      res.end();
      req.socket.destroySoon();
      return;
    }
    const headers = req.headers as HeaderMap;
    let path = req.url ?? '/';
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
    const protocol = req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1';
    if (protocol === 'HTTP/1.0' && !authority) authority = this.config.defaultHostForHttp10;
    // A TLS connection (the handshake set conn.peer) carries https (x-forwarded-proto, RBAC, JWT realm).
    const scheme = conn.peer ? 'https' : 'http';
    const request: RequestHeaders = { method: req.method ?? 'GET', path, authority, scheme, headers };
    const hasBody =
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== '0');
    const body = new RequestBody(hasBody ? req : undefined, RETRY_BUFFER_BYTES);
    const downstream = new Http1Downstream(protocol, res, () => this.draining || conn.draining);
    const stream = new ActiveStream(this, conn, downstream, request, body, this.routeTable());
    stream.info.downstreamPeerUriSan = conn.peer?.sans.URI[0];
    if (protocol === 'HTTP/1.0' && !this.config.acceptHttp10) {
      stream.run(0);
      return;
    }
    res.on('finish', () => {
      if (conn.draining && conn.activeStreams === 0) conn.onDrain?.(conn.drainSoon);
    });
    stream.run(req.rawHeaders.length / 2);
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
    const body = new RequestBody(ended ? undefined : stream, RETRY_BUFFER_BYTES);
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
