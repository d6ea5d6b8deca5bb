/**
 * One request and its response on a downstream HTTP/1.1 connection (Envoy's Http1 ActiveRequest
 * with its ResponseEncoder): the request as the parser read it, its body, and the response
 * written straight to the socket. The head of a response waits for its first body bytes so
 * both leave in one write; a small body is written with its head as one string.
 */
import type { Socket } from 'node:net';
import type { Downstream } from './downstream';
import type { HeaderMap } from './header-map';
import { headerLines } from './http1-header-lines';
import { encodeResponseHead, type ResponseFraming } from './http1-response-head';
import { type BodyFlow, RequestBody } from './request-body';

/** Bodies up to this size leave with their head as one latin1 string (one copy, no writev). */
const JOIN_WITH_HEAD_BYTES = 4096;

/** The connection's side, as a stream sees it. */
export interface Http1StreamOwner {
  readonly socket: Socket;
  /** Responses ask the client to close (the listener or connection is draining). */
  closing(): boolean;
  /** The response was written; `reuse`: the connection may carry the next request. */
  streamFinished(stream: Http1ServerStream, reuse: boolean): void;
  /** Stop reading the socket until `release(who)`. */
  hold(who: object): void;
  release(who: object): void;
  /** The response cannot go on: the connection is closed at once. */
  destroy(): void;
}

export class Http1ServerStream implements Downstream, BodyFlow {
  readonly body: RequestBody;
  headersSent = false;
  aborted = false;
  private finished = false;
  private framing: ResponseFraming = 'none';
  /** Body bytes still owed under `content-length`. */
  private remaining = 0;
  private keepAlive: boolean;
  /** The response head, until the first body bytes go with it. */
  private pendingHead: string | undefined;
  /** A chunk was written and its closing CR LF not yet (it goes with the next write). */
  private chunkOpen = false;
  private abortCb: (() => void) | undefined;

  constructor(
    private readonly owner: Http1StreamOwner,
    readonly method: string,
    readonly url: string,
    readonly protocol: 'HTTP/1.0' | 'HTTP/1.1',
    readonly rawHeaders: string[],
    /** The request allows the connection to be reused (llhttp's should_keep_alive). */
    keepAlive: boolean,
    hasBody: boolean,
    retainLimit: number,
  ) {
    this.keepAlive = keepAlive;
    this.body = new RequestBody(hasBody ? this : undefined, retainLimit);
  }

  // ---- BodyFlow: the request body's backpressure holds the whole connection's reading ----

  pause(): void {
    this.owner.hold(this);
  }

  resume(): void {
    this.owner.release(this);
  }

  // ---- Downstream ----

  respond(status: number, headers: HeaderMap, endStream: boolean): void {
    if (this.headersSent || this.finished) return;
    this.headersSent = true;
    let r: ReturnType<typeof encodeResponseHead>;
    try {
      // A response before the whole request body arrived (stream idle timeout, local reply,
      // early upstream answer) closes the connection: the rest of the body must never be read
      // as the next request, nor may a stalled upload hold the connection open.
      const keepAlive = this.keepAlive && this.body.ended && !this.owner.closing();
      r = encodeResponseHead(status, headers, {
        http10: this.protocol === 'HTTP/1.0',
        headRequest: this.method === 'HEAD',
        endStream,
        keepAlive,
      });
    } catch {
      // A header no client may be sent (it came from configuration): nothing was written.
      this.reset();
      return;
    }
    this.keepAlive = r.keepAlive;
    this.framing = r.framing;
    this.remaining = r.contentLength;
    if (endStream || r.framing === 'none') {
      this.owner.socket.write(r.head, 'latin1');
      if (endStream) this.finish();
      return;
    }
    this.pendingHead = r.head;
  }

  write(chunk: Buffer): boolean {
    if (this.finished || chunk.length === 0 || this.framing === 'none') return true;
    if (this.framing !== 'chunked') {
      this.remaining -= chunk.length;
      return this.send(this.takeHead(), chunk);
    }
    const size = `${this.chunkOpen ? '\r\n' : ''}${chunk.length.toString(16)}\r\n`;
    this.chunkOpen = true;
    return this.send(this.takeHead() + size, chunk);
  }

  /** `prefix` (head, chunk size) and `chunk` in one write: one string when the chunk is small. */
  private send(prefix: string, chunk: Buffer): boolean {
    const socket = this.owner.socket;
    if (prefix === '') return socket.write(chunk);
    if (chunk.length <= JOIN_WITH_HEAD_BYTES) return socket.write(prefix + chunk.toString('latin1'), 'latin1');
    socket.cork();
    socket.write(prefix, 'latin1');
    const ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }

  onDrain(cb: () => void): void {
    this.owner.socket.once('drain', cb);
  }

  end(trailers?: HeaderMap): void {
    if (this.finished || !this.headersSent) return;
    const socket = this.owner.socket;
    if (this.framing === 'chunked') {
      let tail = `${this.takeHead()}${this.chunkOpen ? '\r\n' : ''}0\r\n`;
      if (trailers) {
        try {
          tail += headerLines(trailers, () => false).lines;
        } catch {
          // Trailers that cannot be written are dropped; the body is complete without them.
        }
      }
      socket.write(`${tail}\r\n`, 'latin1');
    } else {
      const head = this.takeHead();
      if (head) socket.write(head, 'latin1');
      // Fewer bytes than the length promised: the client would wait for the rest forever.
      if (this.framing === 'length' && this.remaining !== 0) this.keepAlive = false;
      if (this.framing === 'close') this.keepAlive = false;
    }
    this.finish();
  }

  reset(): void {
    if (this.finished) return;
    this.finished = true;
    this.owner.destroy();
  }

  onAbort(cb: () => void): void {
    this.abortCb = cb;
  }

  // ---- the connection's side ----

  /** The connection closed before the response was written. */
  abort(): void {
    this.body.fail(new Error('downstream closed before the end of the body'));
    if (this.finished) return;
    this.finished = true;
    this.aborted = true;
    this.abortCb?.();
  }

  private takeHead(): string {
    const head = this.pendingHead ?? '';
    this.pendingHead = undefined;
    return head;
  }

  private finish(): void {
    this.finished = true;
    this.owner.streamFinished(this, this.keepAlive);
  }
}
