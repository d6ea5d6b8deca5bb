/**
 * Raw clients for malformed traffic: bytes over a TCP socket (HTTP/1 framing attacks) and
 * hand-built HTTP/2 frames (CONTINUATION flood, HPACK bomb), which real clients refuse to send.
 */
import { connect } from 'node:net';

export interface RawResult {
  /** Everything the server sent. */
  readonly data: Buffer;
  /** The server closed the connection (rather than the client giving up). */
  readonly closedByServer: boolean;
  readonly elapsedMs: number;
}

/**
 * Sends `chunks` (with `gapMs` between them) and collects the answer until the server closes or
 * `timeoutMs` passes.
 */
export function rawExchange(
  port: number,
  chunks: ReadonlyArray<string | Buffer>,
  o: { timeoutMs?: number; gapMs?: number } = {},
): Promise<RawResult> {
  return new Promise((resolve) => {
    const start = Date.now();
    const parts: Buffer[] = [];
    let closedByServer = false;
    let finished = false;
    const sock = connect(port, '127.0.0.1');
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: Buffer.concat(parts), closedByServer, elapsedMs: Date.now() - start });
    };
    const timer = setTimeout(done, o.timeoutMs ?? 3000);
    sock.on('data', (d) => parts.push(d));
    sock.on('end', () => {
      closedByServer = true;
      done();
    });
    sock.on('close', () => {
      closedByServer = true;
      done();
    });
    sock.on('error', () => {
      closedByServer = true;
      done();
    });
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (sock.destroyed) return;
        sock.write(c);
        if (o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
      }
    });
  });
}

/** The status code of the first HTTP/1 response in `data`, or 0. */
export function statusOf(data: Buffer): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.toString('latin1'));
  return m ? Number(m[1]) : 0;
}

// ---- HTTP/2 frames (RFC 9113) and HPACK (RFC 7541), just enough to be hostile ----

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
export const FrameType = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, GOAWAY: 7, CONTINUATION: 9 } as const;
export const END_STREAM = 0x1;
export const END_HEADERS = 0x4;

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/** HPACK integer with an N-bit prefix (first byte's high bits in `mask`). */
function hpackInt(value: number, prefixBits: number, mask: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([mask | value]);
  const out = [mask | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  return Buffer.concat([hpackInt(b.length, 7, 0), b]);
}

/** Literal header, new name; `index` adds it to the dynamic table (0x40) or not (0x00). */
export function literal(name: string, value: string, index = false): Buffer {
  return Buffer.concat([Buffer.from([index ? 0x40 : 0x00]), str(name), str(value)]);
}

/** Indexed header field (static 1-61, dynamic from 62). */
export function indexed(i: number): Buffer {
  return hpackInt(i, 7, 0x80);
}

/** `GET <path>` to `authority` over http, as an HPACK block. */
export function requestBlock(path: string, authority: string): Buffer {
  return Buffer.concat([
    indexed(2), // :method GET
    indexed(6), // :scheme http
    literal(':path', path),
    literal(':authority', authority),
  ]);
}

/** Frame types seen in a server's byte stream (after its preface-less frames). */
export function frameTypes(data: Buffer): number[] {
  const out: number[] = [];
  let i = 0;
  while (i + 9 <= data.length) {
    const len = data.readUIntBE(i, 3);
    out.push(data[i + 3]);
    i += 9 + len;
  }
  return out;
}
