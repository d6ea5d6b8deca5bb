/**
 * Request identities the proxy adds: `x-request-id` (a UUID v4, as Envoy generates) and the
 * AWS X-Ray `X-Amzn-Trace-Id` (`Root=1-<8 hex epoch seconds>-<24 hex random>`), so a request
 * can be followed across the mesh even before X-Ray segments are emitted.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { wallClockMs } from '../event/wall-clock';

// One syscall per 4 KiB of randomness, not per request.
let pool = Buffer.alloc(0);
let offset = 0;

export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

export function newRequestId(): string {
  return randomUUID();
}

/** An X-Ray trace id: `1-<8 hex epoch seconds>-<24 hex random>`. */
export function newTraceRoot(nowMs = wallClockMs()): string {
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `1-${epoch}-${randomHex(12)}`;
}

export function newTraceId(nowMs = wallClockMs()): string {
  return `Root=${newTraceRoot(nowMs)}`;
}
