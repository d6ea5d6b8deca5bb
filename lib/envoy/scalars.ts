/**
 * Scalar values in the protobuf JSON mapping (https://protobuf.dev/programming-guides/json/):
 * reading them strictly from JSON and writing them back the way protoc's printer does.
 */
import { util } from 'protobufjs';
import type { ScalarType } from './message-plan';

/** A reason a JSON value does not fit; returned rather than thrown to keep the reader cheap. */
export class Bad {
  constructor(readonly reason: string) {}
}

export type Long = { low: number; high: number; unsigned: boolean; toString(): string };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const FLOAT_MAX = 3.4028234663852886e38;
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;
const NUMBER_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const LONE_SURROGATE = /\p{Cs}/u;

export function describe(json: unknown): string {
  if (json === null) return 'null';
  if (Array.isArray(json)) return 'an array';
  if (typeof json === 'object') return 'an object';
  if (typeof json === 'string')
    return `the string ${JSON.stringify(json.length > 40 ? `${json.slice(0, 40)}…` : json)}`;
  if (typeof json === 'number' || typeof json === 'boolean') return `${typeof json} ${String(json)}`;
  return typeof json;
}

export function isUnsigned(t: ScalarType): boolean {
  return t === 'uint32' || t === 'fixed32' || t === 'uint64' || t === 'fixed64';
}

export function is64(t: ScalarType): boolean {
  return t === 'int64' || t === 'uint64' || t === 'sint64' || t === 'fixed64' || t === 'sfixed64';
}

function readInteger(t: ScalarType, json: unknown): bigint | number | Bad {
  let n: number | bigint;
  if (typeof json === 'number') {
    if (!Number.isInteger(json)) return new Bad(`expected an integer for ${t}, got ${json}`);
    if (is64(t) && !Number.isSafeInteger(json)) {
      return new Bad(`${json} is beyond 2^53, where JSON numbers lose precision; give ${t} values as strings`);
    }
    n = json;
  } else if (typeof json === 'string') {
    if (!INTEGER_TEXT.test(json)) return new Bad(`expected an integer for ${t}, got ${describe(json)}`);
    n = is64(t) ? BigInt(json) : Number(json);
  } else {
    return new Bad(`expected an integer for ${t}, got ${describe(json)}`);
  }
  if (is64(t)) {
    const b = BigInt(n);
    const [min, max] = isUnsigned(t) ? [0n, UINT64_MAX] : [INT64_MIN, INT64_MAX];
    if (b < min || b > max) return new Bad(`${b} is out of range for ${t}`);
    return b;
  }
  const v = n as number;
  const [min, max] = isUnsigned(t) ? [0, UINT32_MAX] : [INT32_MIN, INT32_MAX];
  if (v < min || v > max) return new Bad(`${v} is out of range for ${t}`);
  return v;
}

function readFloat(t: ScalarType, json: unknown): number | Bad {
  let v: number;
  if (typeof json === 'number') v = json;
  else if (json === 'NaN') return Number.NaN;
  else if (json === 'Infinity') return Number.POSITIVE_INFINITY;
  else if (json === '-Infinity') return Number.NEGATIVE_INFINITY;
  else if (typeof json === 'string' && NUMBER_TEXT.test(json)) v = Number(json);
  else return new Bad(`expected a number for ${t}, got ${describe(json)}`);
  if (!Number.isFinite(v)) return new Bad(`${json} is out of range for ${t}`);
  if (t === 'float' && Math.abs(v) > FLOAT_MAX) return new Bad(`${json} is out of range for float`);
  return v;
}

export function readBase64(json: unknown): Uint8Array | Bad {
  if (typeof json !== 'string') return new Bad(`expected a base64 string for bytes, got ${describe(json)}`);
  const body = json.replace(/=+$/, '');
  if (!BASE64.test(json) || body.length % 4 === 1) return new Bad('expected base64 (standard or URL-safe) for bytes');
  return Buffer.from(json, 'base64');
}

/**
 * Reads a scalar. 64-bit integers come back as bigint (for range and rule checks); the caller
 * turns them into what protobufjs writes with `toProtobufInt64`.
 */
export function readScalar(t: ScalarType, json: unknown): number | bigint | boolean | string | Uint8Array | Bad {
  switch (t) {
    case 'string':
      if (typeof json !== 'string') return new Bad(`expected a string, got ${describe(json)}`);
      if (LONE_SURROGATE.test(json)) return new Bad('string is not valid UTF-8 (it has a lone surrogate)');
      return json;
    case 'bool':
      if (typeof json !== 'boolean') return new Bad(`expected true or false, got ${describe(json)}`);
      return json;
    case 'bytes':
      return readBase64(json);
    case 'double':
    case 'float':
      return readFloat(t, json);
    default:
      return readInteger(t, json);
  }
}

/** Map keys are always JSON strings; the key type decides what the string must spell. */
export function readMapKey(t: ScalarType, key: string): string | Bad {
  if (t === 'string') return key;
  if (t === 'bool') return key === 'true' || key === 'false' ? key : new Bad(`map key must be "true" or "false"`);
  const v = readInteger(t, key);
  return v instanceof Bad ? new Bad(`map key ${JSON.stringify(key)}: ${v.reason}`) : String(v);
}

/** What protobufjs' writer takes for a 64-bit value: a number when exact, else a Long. */
export function toProtobufInt64(v: bigint, unsigned: boolean): number | Long {
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  const LongClass = util.Long as unknown as { fromString(text: string, unsigned: boolean): Long };
  return LongClass.fromString(v.toString(), unsigned);
}

/** A number, Long or bigint as bigint, for rule checks on 64-bit values. */
export function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return BigInt(String(v));
}

/** Shortest decimal that reads back as the same float32, as protoc's JSON printer writes floats. */
function shortestFloat(v: number): number {
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

function writeFloating(v: number, float: boolean): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return float ? shortestFloat(v) : v;
}

export function writeScalar(t: ScalarType, v: unknown): unknown {
  switch (t) {
    case 'double':
      return writeFloating(v as number, false);
    case 'float':
      return writeFloating(v as number, true);
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'string':
    case 'bool':
      return v;
    default:
      // int64 family: decimal strings (JSON numbers cannot carry 64 bits); 32-bit: numbers.
      return is64(t) ? String(v) : v;
  }
}

/** Whether a decoded value equals its type's default, so proto3 JSON leaves it out. */
export function isDefault(v: unknown): boolean {
  // -0 is not the default: protoc writes it, and so does protobufjs.
  if (v === 0 || v === '' || v === false || v == null) return !Object.is(v, -0);
  // Bytes may be a Uint8Array or, as protobufjs' prototype default, an empty array.
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object' && 'low' in v) {
    const l = v as Long;
    return l.low === 0 && l.high === 0;
  }
  return false;
}

/** protobufjs stores 64-bit map keys it decoded as 8-character hashes; turn them back to decimals. */
export function writeMapKey(t: ScalarType, key: string): string {
  if (!is64(t) || INTEGER_TEXT.test(key)) return key;
  return util.longFromHash(key, isUnsigned(t)).toString();
}
