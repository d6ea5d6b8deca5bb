/**
 * The server side of one downstream HTTP/1.1 connection (Envoy's Http1::ServerConnectionImpl):
 * requests are parsed by llhttp through Node's binding (the parser node:http itself uses, so
 * requests are held to the same rules: framing, header size, obs-fold, invalid bytes), and each
 * becomes an Http1ServerStream answered in order. No IncomingMessage, ServerResponse or stream
 * objects are built per request.
 *
 * The codec enforces what llhttp leaves to the application: one Host, no Content-Length with
 * Transfer-Encoding, only `chunked`, none on HTTP/1.0; and it answers what cannot be parsed
 * (400, 431, 501) or did not arrive in time (408) before closing. Pipelined requests wait their
 * turn with reading paused. CONNECT is refused by closing (no tunnels); an Upgrade request is
 * served as a plain request.
 *
 * Timeouts are checked by the connection manager's sweep (`sweep`), not by a timer per request:
 * request_headers_timeout from a request's first byte to the end of its head, and idle_timeout
 * while no request is in flight.
 */
import type { Socket } from 'node:net';
import { Http1ServerStream, type Http1StreamOwner } from './http1-server-stream';
import { HTTPParser, type HttpParser, METHODS, type ParseError } from './llhttp';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

export interface Http1ServerOptions {
  /** Request line and headers, in bytes (llhttp refuses more with HPE_HEADER_OVERFLOW: 431). */
  readonly maxHeaderBytes: number;
  /** From a request's first byte to the end of its headers; 0: none. */
  readonly headersTimeoutMs: number;
  /** With no request in flight; 0: none. */
  readonly idleTimeoutMs: number;
  /** Request body bytes kept for a retry. */
  readonly retainBytes: number;
}

export interface Http1ServerCallbacks {
  /** A request's turn has come: route it and answer it through the stream. */
  onRequest(stream: Http1ServerStream): void;
  /** A request was refused by the codec; `status` is the answer written (408, 431, 400, 501). */
  onCodecError(status: number, code: string): void;
  /** The connection sat idle past idle_timeout and is closed. */
  onIdleTimeout(): void;
  /** Responses ask the client to close (draining). */
  closing(): boolean;
  /** A response finished while draining and nothing else is in flight. */
  onDrained(): void;
}

export class Http1ServerConnection implements Http1StreamOwner {
  private readonly parser: HttpParser;
  private rawHeaders: string[] = [];
  /** The request target, when llhttp hands it over in parts. */
  private url = '';
  /** The request whose head or body is being parsed. */
  private parsing: Http1ServerStream | undefined;
  /** The request being answered. */
  private active: Http1ServerStream | undefined;
  /** Pipelined requests, in order, waiting for `active` to finish. */
  private readonly queue: Http1ServerStream[] = [];
  /** Whatever asked for reading to stop (a full request body, waiting requests, a refusal). */
  private readonly holds = new Set<object>();
  /** A refusal to write once the requests before it are answered; reading has stopped. */
  private refusal: number | undefined;
  private closed = false;
  /** The connection closes once what was written is flushed: nothing more is read or answered. */
  private ending = false;
  /** performance.now() at the first byte of a request whose head is not complete yet; 0: none. */
  private headersStartedAt = 0;
  /** performance.now() since when no request has been in flight; 0: busy. */
  private idleSince: number;

  constructor(
    readonly socket: Socket,
    private readonly options: Http1ServerOptions,
    private readonly callbacks: Http1ServerCallbacks,
    head: Buffer | undefined,
  ) {
    this.idleSince = performance.now();
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, options.maxHeaderBytes, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnMessageBegin] = () => {
      // The idle clock runs on until the head is complete: a head trickling in is no request yet.
      this.headersStartedAt = performance.now();
    };
    parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
      // llhttp hands long heads over in parts, the target too (and request trailers, dropped).
      for (const h of headers) this.rawHeaders.push(h);
      this.url += url;
    };
    parser[HTTPParser.kOnHeadersComplete] = (
      major: number,
      minor: number,
      headers: string[] | undefined,
      method: number,
      url: string,
      _status: unknown,
      _reason: unknown,
      _upgrade: boolean,
      shouldKeepAlive: boolean,
    ) => this.onHeadersComplete(major, minor, headers, method, url, shouldKeepAlive);
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => this.parsing?.body.push(chunk);
    parser[HTTPParser.kOnMessageComplete] = () => this.onMessageComplete();
    this.parser = parser;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => {});
    socket.on('close', () => {
      this.onClose();
      // Here, not in onClose: that can run inside the parser's own callbacks.
      parser.close();
    });
    if (head) this.onData(head);
    // The socket may have been paused while the connection manager sniffed the protocol.
    if (this.holds.size === 0) socket.resume();
  }

  /** No request in flight or waiting. */
  get idle(): boolean {
    return this.active === undefined && this.parsing === undefined;
  }

  /** Applies request_headers_timeout and idle_timeout; `now` from performance.now(). */
  sweep(now: number): void {
    if (this.closed) return;
    const { headersTimeoutMs, idleTimeoutMs } = this.options;
    if (this.headersStartedAt && headersTimeoutMs > 0 && now - this.headersStartedAt >= headersTimeoutMs) {
      this.headersStartedAt = 0;
      this.refuse(408, 'ERR_HTTP_REQUEST_TIMEOUT');
    } else if (this.idleSince && idleTimeoutMs > 0 && now - this.idleSince >= idleTimeoutMs) {
      this.idleSince = 0;
      this.callbacks.onIdleTimeout();
      this.closeAfterWrites();
    }
  }

  // ---- Http1StreamOwner ----

  closing(): boolean {
    return this.callbacks.closing();
  }

  hold(who: object): void {
    if (this.holds.size === 0) this.socket.pause();
    this.holds.add(who);
  }

  release(who: object): void {
    if (!this.holds.delete(who) || this.holds.size > 0 || this.closed) return;
    this.socket.resume();
  }

  destroy(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.onClose();
  }

  streamFinished(stream: Http1ServerStream, reuse: boolean): void {
    if (stream !== this.active) return;
    this.active = undefined;
    if (!reuse) {
      this.closeAfterWrites();
      return;
    }
    const next = this.queue.shift();
    if (this.queue.length === 0) this.release(this.queue);
    if (next) {
      this.active = next;
      // Not from inside the previous stream's end: its own bookkeeping finishes first.
      process.nextTick(() => this.dispatch(next));
      return;
    }
    if (this.refusal !== undefined) {
      this.writeRefusal(this.refusal);
      return;
    }
    if (this.parsing === undefined) this.idleSince = performance.now();
    if (this.callbacks.closing()) process.nextTick(() => this.idle && this.callbacks.onDrained());
  }

  // ---- parsing ----

  private onData(chunk: Buffer): void {
    if (this.refusal !== undefined || this.closed || this.ending) return;
    let data = chunk;
    for (;;) {
      const r = this.parser.execute(data);
      if (typeof r !== 'number') {
        this.refuse(r.code === 'HPE_HEADER_OVERFLOW' ? 431 : teRefusal(r), r.code ?? 'HPE_ERROR');
        return;
      }
      if (this.closed || this.ending || this.refusal !== undefined) return;
      // llhttp stops at the end of a request that asked to Upgrade; the rest is the next request.
      if (r <= 0 || r >= data.length) break;
      data = data.subarray(r);
    }
    // Requests waiting behind the one being answered: read no more until they are served.
    if (this.queue.length > 0) this.hold(this.queue);
  }

  private onHeadersComplete(
    major: number,
    minor: number,
    headers: string[] | undefined,
    method: number,
    url: string,
    shouldKeepAlive: boolean,
  ): number {
    this.headersStartedAt = 0;
    this.idleSince = 0;
    let raw = this.rawHeaders;
    if (headers) raw = raw.length ? raw.concat(headers) : headers;
    this.rawHeaders = [];
    if (this.url) {
      url = this.url + (url ?? '');
      this.url = '';
    }
    if (this.closed || this.ending || this.refusal !== undefined) return 1;
    const name = METHODS[method];
    if (name === 'CONNECT') {
      // No tunnels: the connection is closed, as node:http without a 'connect' handler does.
      this.destroy();
      return 1;
    }
    const http10 = major === 1 && minor === 0;
    const framing = checkFraming(raw, http10);
    if (framing > 0) {
      // Ambiguous framing: answer and close without reading (or forwarding) a byte of the body.
      this.refuse(framing, 'framing');
      return 1;
    }
    const stream = new Http1ServerStream(
      this,
      name,
      url,
      http10 ? 'HTTP/1.0' : 'HTTP/1.1',
      raw,
      shouldKeepAlive,
      framing === HAS_BODY,
      this.options.retainBytes,
    );
    this.parsing = stream;
    if (this.active === undefined) {
      this.active = stream;
      this.dispatch(stream);
    } else {
      this.queue.push(stream);
    }
    return 0;
  }

  private onMessageComplete(): void {
    const stream = this.parsing;
    this.parsing = undefined;
    if (this.rawHeaders.length) this.rawHeaders = [];
    this.url = '';
    if (stream === undefined) return;
    stream.body.pushEnd();
    if (this.active === undefined && this.queue.length === 0) this.idleSince = performance.now();
  }

  private dispatch(stream: Http1ServerStream): void {
    if (this.closed) return;
    // Expect: 100-continue is answered here; the upstream's own 100 is not forwarded.
    if (stream.protocol === 'HTTP/1.1' && !stream.body.ended && expectsContinue(stream.rawHeaders)) {
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    }
    this.callbacks.onRequest(stream);
  }

  private onEnd(): void {
    // The client will send nothing more: a request cut short is refused; what is in flight is
    // aborted (node:http's behaviour without allowHalfOpen); what was written is still flushed.
    const err = this.closed || this.ending ? undefined : this.parser.finish();
    if (err && this.refusal === undefined) {
      this.refuse(400, err.code ?? 'HPE_ERROR');
      return;
    }
    this.abortAll();
    this.closeAfterWrites();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortAll();
  }

  private abortAll(): void {
    const streams = [this.active, this.parsing, ...this.queue];
    this.active = undefined;
    this.parsing = undefined;
    this.queue.length = 0;
    for (const s of streams) s?.abort();
  }

  // ---- refusals ----

  /** Stops reading and answers `status` once the requests before it are answered. */
  private refuse(status: number, code: string): void {
    if (this.refusal !== undefined || this.closed) return;
    this.refusal = status;
    this.hold(this);
    this.callbacks.onCodecError(status, code);
    const parsing = this.parsing;
    this.parsing = undefined;
    if (parsing && parsing !== this.active) this.queue.splice(this.queue.indexOf(parsing), 1);
    // A body cut short by the error: its upstream request must not complete.
    parsing?.body.fail(new Error(`downstream protocol error (${code})`));
    if (this.active === undefined) this.writeRefusal(status);
  }

  private writeRefusal(status: number): void {
    if (this.socket.writable) {
      this.socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    }
    this.closeAfterWrites();
  }

  private closeAfterWrites(): void {
    this.ending = true;
    this.hold(this);
    this.socket.destroySoon();
  }
}

/** checkFraming: the request is well framed and has a body. */
const HAS_BODY = -1;

/**
 * Framing checks llhttp leaves to the application: one Host, no CL with TE, only chunked TE.
 * Returns the status to refuse the request with, or 0 (no body) or HAS_BODY.
 */
function checkFraming(raw: string[], http10: boolean): number {
  let hosts = 0;
  let cl: string | undefined;
  let te: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    // Only names as long as the three read here are lowered: no copy per header per request.
    const len = raw[i].length;
    if (len !== 4 && len !== 14 && len !== 17) continue;
    const n = raw[i].toLowerCase();
    if (n === 'host') hosts++;
    else if (n === 'content-length') cl = raw[i + 1];
    else if (n === 'transfer-encoding') te = te === undefined ? raw[i + 1] : `${te},${raw[i + 1]}`;
  }
  if (hosts > 1) return 400;
  if (te !== undefined) {
    if (cl !== undefined) return 400;
    if (te.trim().toLowerCase() !== 'chunked') return 501;
    return http10 ? 400 : HAS_BODY;
  }
  return cl !== undefined && Number(cl) > 0 ? HAS_BODY : 0;
}

/** Envoy: an unknown transfer coding is 501, but Content-Length with Transfer-Encoding is 400. */
function teRefusal(err: ParseError): number {
  if (err.code !== 'HPE_INVALID_TRANSFER_ENCODING') return 400;
  return /Content-Length/i.test(err.reason ?? err.message) ? 400 : 501;
}

function expectsContinue(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 6 && raw[i].toLowerCase() === 'expect')
      return raw[i + 1].trim().toLowerCase() === '100-continue';
  }
  return false;
}
