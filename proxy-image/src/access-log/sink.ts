/**
 * Where access log lines go: a file (append) or stdout/stderr. Lines are gathered and written
 * once per event-loop turn through an async stream, so logging never blocks the request path;
 * if the destination falls far behind, lines are dropped and counted rather than buffered
 * without bound. Sinks are shared by path, as Envoy's AccessLogManager shares files.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { log } from '../log';

const FLUSH_BYTES = 64 * 1024;
/** Beyond this much unwritten output, new lines are dropped. */
const MAX_BACKLOG = 16 * 1024 * 1024;

export class AccessLogSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  dropped = 0;

  constructor(
    readonly target: string,
    private readonly out: Writable,
  ) {}

  write(line: string): void {
    if (this.out.writableLength > MAX_BACKLOG) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.out.write(chunk);
  }

  /** Flushes and waits until the destination has taken everything (shutdown). */
  async close(): Promise<void> {
    this.flush();
    if (this.out === process.stdout || this.out === process.stderr) return;
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}

const sinks = new Map<string, AccessLogSink>();

export function sinkFor(target: string): AccessLogSink {
  let s = sinks.get(target);
  if (s) return s;
  let out: Writable;
  if (target === '/dev/stdout' || target === 'stdout') out = process.stdout;
  else if (target === '/dev/stderr' || target === 'stderr') out = process.stderr;
  else {
    const file = createWriteStream(target, { flags: 'a' });
    file.on('error', (e) => log.error(`access log ${target}: ${e.message}`));
    out = file;
  }
  s = new AccessLogSink(target, out);
  sinks.set(target, s);
  return s;
}

export async function closeAllSinks(): Promise<void> {
  await Promise.all([...sinks.values()].map((s) => s.close()));
  sinks.clear();
}
