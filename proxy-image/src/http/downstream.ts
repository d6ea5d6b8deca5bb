/**
 * The downstream side of one request, over Node's HTTP/1.1 server response or an HTTP/2
 * server stream: write the response head, body (with backpressure) and trailers, or reset.
 * The connection manager and the router only see this interface.
 */
import type { ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { HeaderMap } from './header-map';

export interface Downstream {
  readonly protocol: 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';
  readonly headersSent: boolean;
  /** The client went away (or the stream was reset) before the response ended. */
  readonly aborted: boolean;
  respond(status: number, headers: HeaderMap, endStream: boolean): void;
  /** False: stop writing until `onDrain`. */
  write(chunk: Buffer): boolean;
  onDrain(cb: () => void): void;
  end(trailers?: HeaderMap): void;
  /** Aborts the response: RST_STREAM on HTTP/2, closing the connection on HTTP/1. */
  reset(): void;
  onAbort(cb: () => void): void;
  /** Restarts an inactivity timer on the stream (stream idle timeout); 0 disables. */
  setIdleTimeout(ms: number, cb: () => void): void;
}

export class Http1Downstream implements Downstream {
  aborted = false;
  private abortCb: (() => void) | undefined;
  private finished = false;

  constructor(
    readonly protocol: 'HTTP/1.0' | 'HTTP/1.1',
    private readonly res: ServerResponse,
    /** Ask the client to close the connection after this response (drain). */
    private readonly closeAfter: () => boolean,
  ) {
    res.on('close', () => {
      if (!this.finished && !res.writableFinished) {
        this.aborted = true;
        this.abortCb?.();
      }
    });
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  respond(status: number, headers: HeaderMap, endStream: boolean): void {
    const res = this.res;
    // A response before the whole request body arrived (stream idle timeout, local reply, early
    // upstream answer) closes the connection: the rest of the body must never be read as the
    // next request, nor may a stalled upload hold the connection open.
    if (this.closeAfter() || !res.req.complete) {
      headers.connection = 'close';
      res.shouldKeepAlive = false;
    }
    res.writeHead(status, headers as Record<string, string | string[]>);
    if (endStream) {
      this.finished = true;
      res.end();
    }
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onDrain(cb: () => void): void {
    this.res.once('drain', cb);
  }

  end(trailers?: HeaderMap): void {
    this.finished = true;
    if (trailers) this.res.addTrailers(trailers as Record<string, string>);
    this.res.end();
  }

  reset(): void {
    this.finished = true;
    this.res.destroy();
  }

  onAbort(cb: () => void): void {
    this.abortCb = cb;
  }

  setIdleTimeout(ms: number, cb: () => void): void {
    if (ms > 0) this.res.setTimeout(ms, cb);
  }
}

const { NGHTTP2_INTERNAL_ERROR } = http2.constants;

export class Http2Downstream implements Downstream {
  readonly protocol = 'HTTP/2' as const;
  aborted = false;
  private abortCb: (() => void) | undefined;
  private trailers: HeaderMap | undefined;
  private finished = false;

  constructor(private readonly stream: http2.ServerHttp2Stream) {
    stream.on('close', () => {
      if (!this.finished) {
        this.aborted = true;
        this.abortCb?.();
      }
    });
    stream.on('error', () => {});
    stream.on('wantTrailers', () => {
      stream.sendTrailers((this.trailers ?? {}) as http2.OutgoingHttpHeaders);
    });
  }

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  respond(status: number, headers: HeaderMap, endStream: boolean): void {
    if (this.stream.destroyed) return;
    const h = headers as http2.OutgoingHttpHeaders;
    h[':status'] = status;
    if (endStream) this.finished = true;
    this.stream.respond(h, { endStream, waitForTrailers: !endStream });
  }

  write(chunk: Buffer): boolean {
    if (this.stream.destroyed) return true;
    return this.stream.write(chunk);
  }

  onDrain(cb: () => void): void {
    this.stream.once('drain', cb);
  }

  end(trailers?: HeaderMap): void {
    this.finished = true;
    this.trailers = trailers;
    if (!this.stream.destroyed) this.stream.end();
  }

  reset(): void {
    this.finished = true;
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_INTERNAL_ERROR);
  }

  onAbort(cb: () => void): void {
    this.abortCb = cb;
  }

  setIdleTimeout(ms: number, cb: () => void): void {
    if (ms > 0) this.stream.setTimeout(ms, cb);
  }
}
