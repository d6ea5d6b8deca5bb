/**
 * One HTTP/1.1 connection to an upstream host (Envoy's Http1::ClientConnection with its
 * codec): connects (TCP or the cluster's TLS), writes one request at a time and decodes the
 * response with llhttp, the parser Node's own HTTP client and server use, so responses are
 * held to the same rules (framing, header size, obs-fold, invalid bytes). The request head and
 * a small body leave in one write; the response is handed over as headers, chunks and trailers
 * without building streams or message objects per request.
 *
 * Keep-alive follows the response (`shouldKeepAlive`: HTTP version and `Connection`) and the
 * server's `Keep-Alive: timeout=N` hint, closing a second early so a reused connection is not
 * one the server is about to close.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type QueuedTimer, timerQueue } from '../event/timer-queue';
import { type HeaderMap, headersFromRawList } from '../http/header-map';
import { HTTPParser, type HttpParser } from '../http/llhttp';
import type { ClientTlsContext } from '../tls/client-tls-context';
import type { UpstreamFailureKind, UpstreamRequestSpec } from './conn-pool';
import { type BodyFraming, encodeRequestHead } from './http1-request-head';

const KEEP_ALIVE_THRESHOLD_MS = 1000;
/** `code` of a connect that ran out of time (the pool counts it as upstream_cx_connect_timeout). */
export const CONNECT_TIMEOUT = 'CONNECT_TIMEOUT';
const KEEP_ALIVE_TIMEOUT = /timeout=(\d+)/i;

/** The request's side of an exchange: the pool's stream. */
export interface Http1Exchange {
  readonly spec: UpstreamRequestSpec;
  /** The request is about to be written on a connected socket. */
  onStart(): void;
  /** False: pause reading the response until `resume()`. */
  onHeaders(status: number, headers: HeaderMap): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: HeaderMap | undefined): void;
  onFailure(kind: UpstreamFailureKind, message: string): void;
}

/** The pool's side: connection lifecycle, for stats and slots. */
export interface Http1ConnectionEvents {
  onConnected(conn: Http1ClientConnection): void;
  onConnectFailed(conn: Http1ClientConnection, code: string): void;
  /** The connection is gone (after connecting or not); called once. */
  onClosed(conn: Http1ClientConnection): void;
}

export interface Http1ConnectionOptions {
  readonly address: string;
  readonly port: number;
  readonly tls?: ClientTlsContext;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** Plain connections read into this; it is parsed before the next read reuses it. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class Http1ClientConnection {
  connected = false;
  closed = false;
  /** Requests sent on this connection. */
  requests = 0;
  private readonly socket: Socket;
  private readonly parser: HttpParser;
  private exchange: Http1Exchange | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private idleTimer: QueuedTimer | undefined;
  private idleTimeoutMs: number;
  private keepAlive = true;
  private requestDone = false;
  private headRequest = false;
  private headersSeen = false;
  private rawHeaders: string[] = [];
  private paused = false;

  constructor(
    private readonly options: Http1ConnectionOptions,
    private readonly events: Http1ConnectionEvents,
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs;
    const { address, port, tls, connectTimeoutMs } = options;
    this.socket = tls
      ? (tls.connect(address, port, 'http1', (err) =>
          // The callback can come before connect() returns (no secrets yet): fail after it.
          err ? queueMicrotask(() => this.connectFailed(err)) : this.onConnect(),
        ) as Socket)
      : netConnect({
          host: address,
          port,
          noDelay: true,
          // Straight to the parser, through one buffer shared by every connection: no Buffer
          // allocated nor stream machinery per read (the parser copies what it keeps).
          onread: { buffer: READ_BUFFER, callback: (n: number, buf: Buffer) => this.onSocketRead(buf, n) },
        });
    if (!tls) this.socket.once('connect', () => this.onConnect());
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.connectFailed(Object.assign(new Error('connect timeout'), { code: CONNECT_TIMEOUT }));
    }, connectTimeoutMs);
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.connected) this.connectFailed(e);
      else this.fail('reset', e.message);
    });
    this.socket.on('close', () => {
      this.onSocketClose();
      // Not in onSocketClose: that can run inside the parser's own callbacks.
      this.parser.close();
    });
    this.socket.on('end', () => this.onEnd());
    if (tls) this.socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));

    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnHeaders] = (headers: string[]) => this.onParserHeaders(headers);
    parser[HTTPParser.kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[] | undefined,
      _method: unknown,
      _url: unknown,
      status: number,
      _reason: string,
      upgrade: boolean,
      shouldKeepAlive: boolean,
    ) => this.onHeadersComplete(headers, status, upgrade, shouldKeepAlive);
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => this.onBody(chunk);
    parser[HTTPParser.kOnMessageComplete] = () => this.onMessageComplete();
    this.parser = parser;
  }

  /** Connected, not closed and no exchange on it. */
  get idle(): boolean {
    return this.connected && !this.closed && this.exchange === undefined;
  }

  get busy(): boolean {
    return this.exchange !== undefined;
  }

  /** Sends a request; the connection must have no exchange. Written once connected. */
  send(exchange: Http1Exchange): void {
    this.exchange = exchange;
    this.requests++;
    this.requestDone = false;
    this.headersSeen = false;
    this.headRequest = exchange.spec.method === 'HEAD';
    if (this.connected) this.write(exchange);
  }

  /**
   * Drops the exchange (cancel). Once its request is on the wire the connection cannot be
   * reused; before that (still connecting) it carries on and becomes idle.
   */
  abort(): void {
    this.exchange = undefined;
    if (this.connected) this.destroy();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  destroy(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.onSocketClose();
  }

  private onConnect(): void {
    if (this.closed) return;
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.connected = true;
    const ex = this.exchange;
    if (ex) this.write(ex);
    else this.becomeIdle();
    // After the write: the pool may hand an idle connection a queued request from here.
    this.events.onConnected(this);
  }

  private connectFailed(err: NodeJS.ErrnoException): void {
    if (this.closed || this.connected) return;
    const code = err.code ?? '';
    this.events.onConnectFailed(this, code);
    const ex = this.exchange;
    this.exchange = undefined;
    ex?.onFailure('connect_failure', code === CONNECT_TIMEOUT ? 'connect timeout' : code || err.message);
    this.destroy();
  }

  private write(ex: Http1Exchange): void {
    const spec = ex.spec;
    let framing: BodyFraming;
    let head: string;
    let length: number;
    try {
      ({
        head,
        framing,
        contentLength: length,
      } = encodeRequestHead(spec.method, spec.path, spec.authority, spec.headers, !spec.body.empty));
    } catch (e) {
      // Nothing was written: the connection stays good for the next request.
      this.exchange = undefined;
      ex.onFailure('protocol_error', (e as Error).message);
      this.becomeIdle();
      return;
    }
    ex.onStart();
    if (this.exchange !== ex) return;
    if (framing === 'none') {
      this.socket.write(head, 'latin1');
      this.requestDone = true;
      return;
    }
    void this.writeBody(ex, head, framing, length);
  }

  private async writeBody(ex: Http1Exchange, head: string, framing: BodyFraming, length: number): Promise<void> {
    const socket = this.socket;
    const chunked = framing === 'chunked';
    let pending: string | undefined = head;
    let sent = 0;
    try {
      for await (const chunk of ex.spec.body.iterate()) {
        if (this.exchange !== ex || this.closed) return;
        if (chunk.length === 0) continue;
        sent += chunk.length;
        if (!chunked && sent > length) throw new Error('request body longer than its content-length');
        socket.cork();
        if (pending !== undefined) socket.write(pending, 'latin1');
        pending = undefined;
        if (chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        const ok = socket.write(chunk);
        if (chunked) socket.write('\r\n', 'latin1');
        socket.uncork();
        if (!ok && !this.closed) await new Promise<void>((resolve) => socket.once('drain', resolve));
      }
      if (this.exchange !== ex || this.closed) return;
      if (!chunked && sent !== length) throw new Error('request body shorter than its content-length');
      if (pending !== undefined) socket.write(pending, 'latin1');
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
      this.requestDone = true;
    } catch (e) {
      if (this.exchange !== ex) return;
      this.fail('reset', (e as Error).message);
    }
  }

  private onSocketRead(buf: Buffer, n: number): boolean {
    this.onSocketData(buf.subarray(0, n));
    return !this.paused;
  }

  private onSocketData(chunk: Buffer): void {
    if (this.exchange === undefined) {
      // Bytes on an idle connection are not a response to anything: it cannot be trusted again.
      this.destroy();
      return;
    }
    const r = this.parser.execute(chunk);
    if (typeof r !== 'number') {
      this.fail('protocol_error', r.message);
    }
  }

  private onParserHeaders(headers: string[]): void {
    // llhttp hands long header lists over in parts; trailers come this way too.
    for (const h of headers) this.rawHeaders.push(h);
  }

  private onHeadersComplete(
    headers: string[] | undefined,
    status: number,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number {
    const ex = this.exchange;
    let raw = this.rawHeaders;
    if (headers) raw = raw.length ? raw.concat(headers) : headers;
    this.rawHeaders = [];
    if (!ex) return 1;
    if (status < 200) {
      if (status === 101 || upgrade) {
        this.fail('protocol_error', 'unexpected 101 Switching Protocols');
        return 1;
      }
      // 100 Continue, 103 Early Hints: the final response follows. Their ends are ignored, as
      // no final headers were seen yet.
      return 1;
    }
    this.headersSeen = true;
    this.keepAlive = shouldKeepAlive;
    const out = headersFromRawList(raw);
    const hint = out['keep-alive'];
    if (hint !== undefined) this.applyKeepAliveHint(typeof hint === 'string' ? hint : hint[0]);
    if (!ex.onHeaders(status, out)) this.pause();
    return this.headRequest ? 1 : 0;
  }

  private applyKeepAliveHint(hint: string): void {
    const m = KEEP_ALIVE_TIMEOUT.exec(hint);
    if (!m) return;
    const ms = Number(m[1]) * 1000 - KEEP_ALIVE_THRESHOLD_MS;
    if (ms <= 0) {
      this.keepAlive = false;
      return;
    }
    const max = this.options.idleTimeoutMs;
    const next = max > 0 ? Math.min(ms, max) : ms;
    if (next === this.idleTimeoutMs) return;
    this.idleTimeoutMs = next;
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
  }

  private onBody(chunk: Buffer): void {
    const ex = this.exchange;
    if (ex && !ex.onData(chunk)) this.pause();
  }

  private onMessageComplete(): void {
    const ex = this.exchange;
    if (!ex || !this.headersSeen) return;
    let trailers: HeaderMap | undefined;
    if (this.rawHeaders.length) {
      trailers = headersFromRawList(this.rawHeaders);
      this.rawHeaders = [];
    }
    // A response that ends before its request was fully sent closes the connection: the rest of
    // the request body must not reach the server as the next request.
    if (!this.requestDone) this.keepAlive = false;
    this.release();
    ex.onComplete(trailers);
  }

  /** The exchange is over: back to idle, or closed if the connection cannot be reused. */
  private release(): void {
    this.exchange = undefined;
    if (this.paused) this.resume();
    if (!this.keepAlive) {
      this.destroy();
      return;
    }
    this.becomeIdle();
  }

  private becomeIdle(): void {
    if (this.closed || this.idleTimeoutMs <= 0) return;
    // One timer per connection, re-armed as it goes idle: cheaper than a new one per request.
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = timerQueue(this.idleTimeoutMs).start(() => {
        this.idleTimer = undefined;
        if (this.exchange === undefined) this.destroy();
      });
    }
  }

  private onEnd(): void {
    // The server closed its side. finish() ends a close-delimited body (the exchange completes
    // and is released); any other response still open here was cut short.
    this.keepAlive = false;
    if (this.exchange !== undefined) this.parser.finish();
    if (this.exchange === undefined) this.destroy();
    else this.fail('reset', 'upstream closed the connection before the response ended');
  }

  private fail(kind: UpstreamFailureKind, message: string): void {
    const ex = this.exchange;
    this.exchange = undefined;
    this.destroy();
    ex?.onFailure(kind, message);
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.idleTimer?.cancel();
    const ex = this.exchange;
    this.exchange = undefined;
    this.events.onClosed(this);
    if (ex) {
      if (this.connected) ex.onFailure('reset', 'upstream connection closed');
      else ex.onFailure('connect_failure', 'connection closed');
    }
  }
}
