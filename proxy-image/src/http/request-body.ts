/**
 * A request body that can be read more than once: the first upstream attempt streams it
 * while its chunks are kept (up to a bound) so a retry can replay them. Past the bound the
 * body is plain streaming: consumed chunks are released, and a retry is no longer possible
 * (`canReplay()` turns false), which is Envoy's rule for bodies beyond the buffer limit.
 * Backpressure: the downstream is paused whenever unread data piles up beyond a watermark.
 *
 * The HTTP/1.1 codec pushes what its parser reads; an HTTP/2 stream is a Readable, read once
 * somebody asks for the body (`fromReadable`).
 */
import type { Readable } from 'node:stream';

/** Flow control of where the body comes from. */
export interface BodyFlow {
  pause(): void;
  resume(): void;
  /** Called once, when the body is first wanted (a Readable starts flowing then). */
  start?(body: RequestBody): void;
}

const HIGH_WATER = 64 * 1024;

export interface BodyCursor {
  pos: number;
}

export class RequestBody {
  private readonly chunks: Buffer[] = [];
  /** Index (in the whole chunk sequence) of chunks[0]. */
  private base = 0;
  private retainedBytes = 0;
  private unreadBytes = 0;
  private retaining: boolean;
  private waiters: Array<() => void> = [];
  private paused = false;
  private started = false;
  ended: boolean;
  error: Error | undefined;
  received = 0;
  /** Called once when the last byte has arrived. */
  onEnd: (() => void) | undefined;
  /** Called for every chunk received (the stream idle timer). */
  onChunk: (() => void) | undefined;

  /** `source` undefined: no body (a GET, or an HTTP/2 HEADERS frame with END_STREAM). */
  constructor(
    private readonly source: BodyFlow | undefined,
    private retainLimit: number,
  ) {
    this.ended = source === undefined;
    this.retaining = retainLimit > 0;
  }

  /** The body of a Readable (an HTTP/2 stream), or none. */
  static fromReadable(src: Readable | undefined, retainLimit: number): RequestBody {
    return new RequestBody(src && readableFlow(src), retainLimit);
  }

  get empty(): boolean {
    return this.source === undefined;
  }

  /** Raises the bound of what is kept for replay (the body router needs the whole body). */
  retainUpTo(limit: number): void {
    if (limit > this.retainLimit) {
      this.retainLimit = limit;
      if (this.base === 0 && this.retainedBytes <= limit) this.retaining = true;
    }
  }

  /** True while every chunk so far is still held, so an attempt can start from the beginning. */
  canReplay(): boolean {
    return this.base === 0;
  }

  private start(): void {
    if (this.started || !this.source) return;
    this.started = true;
    this.source.start?.(this);
  }

  /** A chunk has arrived. */
  push(chunk: Buffer): void {
    if (this.ended || this.error) return;
    this.chunks.push(chunk);
    this.received += chunk.length;
    this.onChunk?.();
    this.unreadBytes += chunk.length;
    if (this.retaining) {
      this.retainedBytes += chunk.length;
      if (this.retainedBytes > this.retainLimit) this.retaining = false;
    }
    if (this.unreadBytes > HIGH_WATER && !this.paused) {
      this.paused = true;
      this.source?.pause();
    }
    this.notify();
  }

  /** The last byte has arrived. */
  pushEnd(): void {
    if (this.ended || this.error) return;
    this.ended = true;
    this.onEnd?.();
    this.notify();
  }

  /** The body will never be complete (the downstream reset, closed or sent bytes the codec refused). */
  fail(e: Error): void {
    if (this.ended || this.error) return;
    this.error = e;
    this.notify();
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  private waitForData(): Promise<void> {
    this.start();
    if (this.paused) {
      this.paused = false;
      this.source!.resume();
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  cursor(): BodyCursor {
    return { pos: 0 };
  }

  /** The next chunk for a cursor, or null at the end. Throws if the chunk was released or the body failed. */
  async read(cursor: BodyCursor): Promise<Buffer | null> {
    for (;;) {
      if (cursor.pos < this.base) throw new Error('request body already streamed; it cannot be replayed');
      const i = cursor.pos - this.base;
      if (i < this.chunks.length) {
        const chunk = this.chunks[i];
        cursor.pos++;
        this.unreadBytes = Math.max(0, this.unreadBytes - chunk.length);
        if (!this.retaining) {
          // Streaming mode: nobody will need what this cursor has read.
          while (this.base < cursor.pos) {
            this.chunks.shift();
            this.base++;
          }
        }
        if (this.paused && this.unreadBytes < HIGH_WATER / 2) {
          this.paused = false;
          this.source!.resume();
        }
        return chunk;
      }
      if (this.error) throw this.error;
      if (this.ended) return null;
      await this.waitForData();
    }
  }

  /**
   * Reads the whole body if it is at most `max` bytes (the body router). Returns undefined when
   * it is larger; what was read stays available to the upstream attempt either way.
   */
  async buffer(max: number): Promise<Buffer | undefined> {
    this.retainUpTo(max);
    while (!this.ended && !this.error && this.received <= max) await this.waitForData();
    if (this.error) throw this.error;
    if (this.received > max || this.base !== 0) return undefined;
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }

  /** An async iterable over the whole body, for one upstream attempt. */
  async *iterate(): AsyncGenerator<Buffer> {
    const c = this.cursor();
    for (;;) {
      const chunk = await this.read(c);
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** Ensures the end is noticed (to arm the route timeout) even if nobody reads the body yet. */
  watchEnd(): void {
    this.start();
  }
}

function readableFlow(src: Readable): BodyFlow {
  return {
    pause: () => src.pause(),
    resume: () => src.resume(),
    start: (body) => {
      src.on('data', (chunk: Buffer) => body.push(chunk));
      src.on('end', () => body.pushEnd());
      src.on('error', (e: Error) => body.fail(e));
      src.on('aborted', () => body.fail(new Error('downstream reset')));
      src.on('close', () => {
        if (!body.ended) body.fail(new Error('downstream closed before the end of the body'));
      });
    },
  };
}
