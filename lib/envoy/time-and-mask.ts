/**
 * The string forms of google.protobuf.Duration (`"1.5s"`), Timestamp (RFC 3339) and FieldMask
 * (`"fooBar,baz.qux"`), with the ranges the protobuf spec allows. Values travel as a signed
 * 64-bit seconds count plus nanoseconds, the way the messages store them.
 */
import { Bad } from './scalars';

/** ±10,000 years, the range google.protobuf.Duration documents. */
const MAX_DURATION_SECONDS = 315_576_000_000n;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;

const DURATION = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/;
const TIMESTAMP =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})$/;
const MASK_PATH = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/;

export interface SecondsNanos {
  readonly seconds: bigint;
  readonly nanos: number;
}

function fraction(digits: string | undefined): number {
  return digits ? Number(digits.padEnd(9, '0')) : 0;
}

/** Protoc prints 0, 3, 6 or 9 fractional digits: as few as keep the value exact. */
function formatNanos(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return `.${String(nanos / 1_000_000).padStart(3, '0')}`;
  if (nanos % 1_000 === 0) return `.${String(nanos / 1_000).padStart(6, '0')}`;
  return `.${String(nanos).padStart(9, '0')}`;
}

export function parseDuration(json: unknown): SecondsNanos | Bad {
  if (typeof json !== 'string') {
    return new Bad(`expected a duration string such as "1.5s", got ${typeof json === 'number' ? json : typeof json}`);
  }
  const m = DURATION.exec(json);
  if (!m)
    return new Bad(`malformed duration ${JSON.stringify(json)}: expected seconds with an "s" suffix, e.g. "0.25s"`);
  const abs = BigInt(m[2]);
  if (abs > MAX_DURATION_SECONDS) return new Bad(`duration ${json} is out of range (at most ±315576000000s)`);
  const sign = m[1] ? -1 : 1;
  const nanos = fraction(m[3]);
  return { seconds: sign < 0 ? -abs : abs, nanos: sign < 0 && nanos !== 0 ? -nanos : nanos };
}

export function formatDuration(seconds: bigint, nanos: number): string | Bad {
  if (seconds > MAX_DURATION_SECONDS || seconds < -MAX_DURATION_SECONDS) return new Bad('duration is out of range');
  if (nanos <= -1e9 || nanos >= 1e9) return new Bad('duration nanos out of range');
  if ((seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)) {
    return new Bad('duration seconds and nanos have different signs');
  }
  const negative = seconds < 0n || nanos < 0;
  const abs = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${abs}${formatNanos(Math.abs(nanos))}s`;
}

function daysFromCivil(y: number, m: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return Math.floor(date.getTime() / 86_400_000);
}

export function parseTimestamp(json: unknown): SecondsNanos | Bad {
  if (typeof json !== 'string') return new Bad(`expected an RFC 3339 timestamp string, got ${typeof json}`);
  const m = TIMESTAMP.exec(json);
  if (!m) return new Bad(`malformed timestamp ${JSON.stringify(json)}: expected RFC 3339, e.g. "2024-01-31T12:00:00Z"`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const days = daysFromCivil(y, mo, d);
  // Date normalises 2023-02-30 to March 2nd; a real calendar date survives the round trip.
  const check = new Date(days * 86_400_000);
  const valid = check.getUTCFullYear() === y && check.getUTCMonth() + 1 === mo && check.getUTCDate() === d;
  if (!valid || h > 23 || mi > 59 || s > 59) return new Bad(`timestamp ${json} is not a valid date and time`);
  let offset = 0;
  if (m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const [oh, om] = m[8].slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) return new Bad(`timestamp ${json} has an invalid UTC offset`);
    offset = sign * (oh * 3600 + om * 60);
  }
  const seconds = BigInt(days) * 86_400n + BigInt(h * 3600 + mi * 60 + s - offset);
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) {
    return new Bad(`timestamp ${json} is out of range (0001-01-01 to 9999-12-31)`);
  }
  return { seconds, nanos: fraction(m[7]) };
}

export function formatTimestamp(seconds: bigint, nanos: number): string | Bad {
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) return new Bad('timestamp is out of range');
  if (nanos < 0 || nanos >= 1e9) return new Bad('timestamp nanos out of range');
  const date = new Date(Number(seconds) * 1000);
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ for years 0001-9999
  return `${iso.slice(0, 19)}${formatNanos(nanos)}Z`;
}

/** FieldMask paths are lowerCamelCase in JSON and snake_case in the message. */
export function parseFieldMask(json: unknown): string[] | Bad {
  if (typeof json !== 'string') return new Bad(`expected a comma-separated field mask string, got ${typeof json}`);
  if (json === '') return [];
  const paths: string[] = [];
  for (const p of json.split(',')) {
    if (!MASK_PATH.test(p)) return new Bad(`field mask path ${JSON.stringify(p)} is not lowerCamelCase field names`);
    paths.push(p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  }
  return paths;
}

export function formatFieldMask(paths: readonly string[]): string | Bad {
  const out: string[] = [];
  for (const p of paths) {
    // Only snake_case paths survive the trip to camelCase and back.
    if (!/^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*(\.[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*)*$/.test(p)) {
      return new Bad(`field mask path ${JSON.stringify(p)} has no JSON form`);
    }
    out.push(p.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
  }
  return out.join(',');
}

/** Total nanoseconds, for ordering durations and timestamps in rule checks. */
export function totalNanos(v: SecondsNanos): bigint {
  return v.seconds * 1_000_000_000n + BigInt(v.nanos);
}
