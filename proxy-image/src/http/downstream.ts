/**
 * The downstream side of one request, over the HTTP/1.1 codec (http1-server-stream.ts) or an
 * HTTP/2 server stream: write the response head, body (with backpressure) and trailers, or
 * reset. The connection manager and the router only see this interface.
 */
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
}
