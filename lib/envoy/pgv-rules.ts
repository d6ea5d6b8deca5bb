/**
 * protoc-gen-validate rules (`(validate.rules)` field options in Envoy's .proto files), read from
 * protobufjs' parsed options. Envoy runs these checks on every config it loads and rejects the
 * config on the first failure, so a snapshot that passes here is not NACKed for them.
 *
 * Supported: message.required/skip; string const/len/min_len/max_len/len_bytes/min_bytes/max_bytes/
 * pattern/prefix/suffix/contains/not_contains/in/not_in/ignore_empty and well_known email-free
 * formats (hostname, ip, ipv4, ipv6, address, uuid, well_known_regex with `strict`); bytes
 * const/len/min_len/max_len/prefix/suffix/contains/in/not_in/ip/ipv4/ipv6; every numeric type's
 * const/lt/lte/gt/gte/in/not_in/ignore_empty (with PGV's reversed, exclusive ranges); bool.const;
 * enum const/defined_only/in/not_in; repeated min_items/max_items/unique/items/ignore_empty; map
 * min_pairs/max_pairs/no_sparse/keys/values/ignore_empty; any required/in/not_in; duration
 * required/const/lt/lte/gt/gte/in/not_in; timestamp required/const/lt/lte/gt/gte; the oneof option
 * `(validate.required)`.
 * Not supported (unused by Envoy's v3 API): string email/uri/uri_ref, bytes pattern, timestamp
 * lt_now/gt_now/within (they depend on the clock), message-level `(validate.disabled)`/`ignored`.
 */
import { isIP } from 'node:net';
import type { Field } from 'protobufjs';
import { compileRe2 } from '../regex/re2';
import type { Problem } from './problem';

type Num = number | bigint;

export interface NumericRules {
  readonly const?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly gt?: number;
  readonly gte?: number;
  readonly in?: number | number[];
  readonly not_in?: number | number[];
  readonly ignore_empty?: boolean;
}

export interface StringRules {
  readonly const?: string;
  readonly len?: number;
  readonly min_len?: number;
  readonly max_len?: number;
  readonly len_bytes?: number;
  readonly min_bytes?: number;
  readonly max_bytes?: number;
  readonly pattern?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly contains?: string;
  readonly not_contains?: string;
  readonly in?: string | string[];
  readonly not_in?: string | string[];
  readonly hostname?: boolean;
  readonly ip?: boolean;
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
  readonly address?: boolean;
  readonly uuid?: boolean;
  readonly well_known_regex?: 'UNKNOWN' | 'HTTP_HEADER_NAME' | 'HTTP_HEADER_VALUE' | number;
  readonly strict?: boolean;
  readonly ignore_empty?: boolean;
}

export interface BytesRules {
  readonly const?: string;
  readonly len?: number;
  readonly min_len?: number;
  readonly max_len?: number;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly contains?: string;
  readonly in?: string | string[];
  readonly not_in?: string | string[];
  readonly ip?: boolean;
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
  readonly ignore_empty?: boolean;
}

export interface DurationLiteral {
  readonly seconds?: number;
  readonly nanos?: number;
}

export interface TimeRules {
  readonly required?: boolean;
  readonly const?: DurationLiteral;
  readonly lt?: DurationLiteral;
  readonly lte?: DurationLiteral;
  readonly gt?: DurationLiteral;
  readonly gte?: DurationLiteral;
  readonly in?: DurationLiteral | DurationLiteral[];
  readonly not_in?: DurationLiteral | DurationLiteral[];
}

export interface FieldRules {
  readonly message?: { readonly required?: boolean; readonly skip?: boolean };
  readonly string?: StringRules;
  readonly bytes?: BytesRules;
  readonly bool?: { readonly const?: boolean };
  readonly enum?: {
    readonly const?: number;
    readonly defined_only?: boolean;
    readonly in?: number | number[];
    readonly not_in?: number | number[];
  };
  readonly repeated?: {
    readonly min_items?: number;
    readonly max_items?: number;
    readonly unique?: boolean;
    readonly items?: FieldRules;
    readonly ignore_empty?: boolean;
  };
  readonly map?: {
    readonly min_pairs?: number;
    readonly max_pairs?: number;
    readonly no_sparse?: boolean;
    readonly keys?: FieldRules;
    readonly values?: FieldRules;
    readonly ignore_empty?: boolean;
  };
  readonly any?: { readonly required?: boolean; readonly in?: string | string[]; readonly not_in?: string | string[] };
  readonly duration?: TimeRules;
  readonly timestamp?: TimeRules;
  readonly double?: NumericRules;
  readonly float?: NumericRules;
  readonly int32?: NumericRules;
  readonly int64?: NumericRules;
  readonly uint32?: NumericRules;
  readonly uint64?: NumericRules;
  readonly sint32?: NumericRules;
  readonly sint64?: NumericRules;
  readonly fixed32?: NumericRules;
  readonly fixed64?: NumericRules;
  readonly sfixed32?: NumericRules;
  readonly sfixed64?: NumericRules;
}

type Json = Record<string, unknown>;

function merge(into: Json, from: Json): Json {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v)) {
      into[k] = merge({ ...(cur as Json) }, v as Json);
    } else {
      into[k] = v;
    }
  }
  return into;
}

/** The field's `(validate.rules)`, merged across option statements; undefined when it has none. */
export function rulesOf(field: Field): FieldRules | undefined {
  const parsed = field.parsedOptions as Json[] | null | undefined;
  if (!parsed) return undefined;
  let rules: Json | undefined;
  for (const opt of parsed) {
    const r = opt['(validate.rules)'];
    if (r && typeof r === 'object') rules = merge(rules ?? {}, r as Json);
  }
  return rules as FieldRules | undefined;
}

function list<T>(v: T | T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function same(rule: number, value: Num): boolean {
  return typeof value === 'bigint' ? Number.isInteger(rule) && BigInt(rule) === value : rule === value;
}

function show(v: Num | string): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

interface Bounds<T> {
  readonly lt?: T;
  readonly lte?: T;
  readonly gt?: T;
  readonly gte?: T;
}

/** PGV ranges: when the lower bound exceeds the upper one, the value must lie outside them. */
function rangeProblem<T extends Num>(value: T, b: Bounds<T>, fmt: (v: T) => string): string | undefined {
  const lower = b.gt ?? b.gte;
  const upper = b.lt ?? b.lte;
  const lowerOk = b.gt !== undefined ? value > b.gt : b.gte !== undefined ? value >= b.gte : true;
  const upperOk = b.lt !== undefined ? value < b.lt : b.lte !== undefined ? value <= b.lte : true;
  if (lower !== undefined && upper !== undefined) {
    if (lower > upper) {
      if (lowerOk || upperOk) return undefined;
      const below = `${b.lt !== undefined ? 'less than' : 'at most'} ${fmt(upper)}`;
      return `must be ${below} or ${b.gt !== undefined ? 'greater than' : 'at least'} ${fmt(lower)}`;
    }
    if (lowerOk && upperOk) return undefined;
    return `must be in the range ${b.gt !== undefined ? '(' : '['}${fmt(lower)}, ${fmt(upper)}${b.lt !== undefined ? ')' : ']'}`;
  }
  if (!lowerOk) return b.gt !== undefined ? `must be greater than ${fmt(b.gt)}` : `must be at least ${fmt(b.gte!)}`;
  if (!upperOk) return b.lt !== undefined ? `must be less than ${fmt(b.lt)}` : `must be at most ${fmt(b.lte!)}`;
  return undefined;
}

function toBig(v: number | undefined): bigint | undefined {
  return v === undefined ? undefined : BigInt(Math.trunc(v));
}

function numericProblem(r: NumericRules, value: Num): string | undefined {
  if (r.ignore_empty && (value === 0 || value === 0n)) return undefined;
  if (r.const !== undefined && !same(r.const, value)) return `must equal ${r.const}`;
  const ins = list(r.in);
  if (ins && !ins.some((x) => same(x, value))) return `must be one of ${ins.join(', ')}`;
  const outs = list(r.not_in);
  if (outs?.some((x) => same(x, value))) return `must not be any of ${outs.join(', ')}`;
  if (typeof value === 'bigint') {
    const b = { lt: toBig(r.lt), lte: toBig(r.lte), gt: toBig(r.gt), gte: toBig(r.gte) };
    return rangeProblem<bigint>(value, b, String);
  }
  if (Number.isNaN(value) && (r.lt ?? r.lte ?? r.gt ?? r.gte) !== undefined) return 'must be a number, not NaN';
  return rangeProblem<number>(value, r, String);
}

// RFC 7230 token characters, with the leading ':' HTTP/2 pseudo-headers carry.
const STRICT_HEADER_NAME = /^:?[0-9A-Za-z!#$%&'*+\-.^_`|~]+$/;
// RFC 7230 field-value: no control characters except horizontal tab.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const STRICT_HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// What Envoy uses (`strict: false` everywhere): only NUL, CR and LF are refused.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const LOOSE_HEADER = /^[^\u0000\u000A\u000D]*$/;
const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const patterns = new Map<string, RegExp | null>();

function patternOf(source: string): RegExp | null {
  let re = patterns.get(source);
  if (re === undefined) {
    try {
      re = compileRe2(source, false);
    } catch {
      re = null; // a pattern in Envoy's own protos that RE2 translation cannot handle: skip the check
    }
    patterns.set(source, re);
  }
  return re;
}

function codePoints(s: string): number {
  // PGV counts runes: a surrogate pair is one character.
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function wellKnownRegexProblem(r: StringRules, value: string): string | undefined {
  const which = r.well_known_regex;
  if (which === undefined || which === 'UNKNOWN' || which === 0) return undefined;
  const name = which === 'HTTP_HEADER_NAME' || which === 1;
  if (r.strict === false) {
    return LOOSE_HEADER.test(value) ? undefined : 'must not contain NUL, CR or LF characters';
  }
  if (name) return STRICT_HEADER_NAME.test(value) ? undefined : 'must be a valid HTTP header name (RFC 7230 token)';
  return STRICT_HEADER_VALUE.test(value) ? undefined : 'must be a valid HTTP header value (no control characters)';
}

function stringProblem(r: StringRules, value: string): string | undefined {
  if (r.ignore_empty && value === '') return undefined;
  if (r.const !== undefined && value !== r.const) return `must equal ${show(r.const)}`;
  const needLen = r.len !== undefined || r.min_len !== undefined || r.max_len !== undefined;
  if (needLen) {
    const n = codePoints(value);
    if (r.len !== undefined && n !== r.len) return `must be exactly ${r.len} characters long`;
    if (r.min_len !== undefined && n < r.min_len) {
      return r.min_len === 1 ? 'must not be empty' : `must be at least ${r.min_len} characters long`;
    }
    if (r.max_len !== undefined && n > r.max_len) return `must be at most ${r.max_len} characters long`;
  }
  if (r.len_bytes !== undefined || r.min_bytes !== undefined || r.max_bytes !== undefined) {
    const n = Buffer.byteLength(value, 'utf8');
    if (r.len_bytes !== undefined && n !== r.len_bytes) return `must be exactly ${r.len_bytes} bytes long`;
    if (r.min_bytes !== undefined && n < r.min_bytes) {
      return r.min_bytes === 1 ? 'must not be empty' : `must be at least ${r.min_bytes} bytes long`;
    }
    if (r.max_bytes !== undefined && n > r.max_bytes) return `must be at most ${r.max_bytes} bytes long`;
  }
  if (r.pattern !== undefined) {
    const re = patternOf(r.pattern);
    if (re && !re.test(value)) return `must match the pattern ${show(r.pattern)}`;
  }
  if (r.prefix !== undefined && !value.startsWith(r.prefix)) return `must start with ${show(r.prefix)}`;
  if (r.suffix !== undefined && !value.endsWith(r.suffix)) return `must end with ${show(r.suffix)}`;
  if (r.contains !== undefined && !value.includes(r.contains)) return `must contain ${show(r.contains)}`;
  if (r.not_contains !== undefined && value.includes(r.not_contains)) return `must not contain ${show(r.not_contains)}`;
  const ins = list(r.in);
  if (ins && !ins.includes(value)) return `must be one of ${ins.map(show).join(', ')}`;
  const outs = list(r.not_in);
  if (outs?.includes(value)) return `must not be any of ${outs.map(show).join(', ')}`;
  if (r.hostname && !HOSTNAME.test(value)) return 'must be a valid hostname';
  if (r.ip && isIP(value) === 0) return 'must be a valid IP address';
  if (r.ipv4 && isIP(value) !== 4) return 'must be a valid IPv4 address';
  if (r.ipv6 && isIP(value) !== 6) return 'must be a valid IPv6 address';
  if (r.address && isIP(value) === 0 && !HOSTNAME.test(value)) return 'must be a valid hostname or IP address';
  if (r.uuid && !UUID.test(value)) return 'must be a valid UUID';
  return wellKnownRegexProblem(r, value);
}

function bytesProblem(r: BytesRules, value: Uint8Array): string | undefined {
  if (r.ignore_empty && value.length === 0) return undefined;
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // PGV bytes literals in .proto files are strings; compare their bytes.
  const lit = (s: string) => Buffer.from(s, 'latin1');
  if (r.const !== undefined && !buf.equals(lit(r.const))) return 'must equal the required constant';
  if (r.len !== undefined && buf.length !== r.len) return `must be exactly ${r.len} bytes long`;
  if (r.min_len !== undefined && buf.length < r.min_len) return `must be at least ${r.min_len} bytes long`;
  if (r.max_len !== undefined && buf.length > r.max_len) return `must be at most ${r.max_len} bytes long`;
  if (r.prefix !== undefined && !buf.subarray(0, r.prefix.length).equals(lit(r.prefix))) return 'has the wrong prefix';
  if (r.suffix !== undefined && !buf.subarray(buf.length - r.suffix.length).equals(lit(r.suffix))) {
    return 'has the wrong suffix';
  }
  if (r.contains !== undefined && buf.indexOf(lit(r.contains)) < 0) return 'does not contain the required bytes';
  const ins = list(r.in);
  if (ins && !ins.some((s) => buf.equals(lit(s)))) return 'must be one of the allowed values';
  const outs = list(r.not_in);
  if (outs?.some((s) => buf.equals(lit(s)))) return 'must not be one of the refused values';
  if (
    (r.ip && buf.length !== 4 && buf.length !== 16) ||
    (r.ipv4 && buf.length !== 4) ||
    (r.ipv6 && buf.length !== 16)
  ) {
    return 'must be an IP address in network byte order';
  }
  return undefined;
}

export type ScalarValue = Num | string | boolean | Uint8Array;

/**
 * Checks a scalar, enum or wrapped value. `kind` is the proto scalar type or 'enum';
 * `enumDefined` tells whether an enum number is declared.
 */
export function checkScalar(
  rules: FieldRules,
  kind: string,
  value: ScalarValue,
  path: string,
  out: Problem[],
  enumDefined?: (n: number) => boolean,
): void {
  let reason: string | undefined;
  if (kind === 'string') {
    if (rules.string) reason = stringProblem(rules.string, value as string);
  } else if (kind === 'bytes') {
    if (rules.bytes) reason = bytesProblem(rules.bytes, value as Uint8Array);
  } else if (kind === 'bool') {
    if (rules.bool?.const !== undefined && value !== rules.bool.const) reason = `must be ${rules.bool.const}`;
  } else if (kind === 'enum') {
    const r = rules.enum;
    const n = value as number;
    if (r) {
      if (r.const !== undefined && n !== r.const) reason = `must equal ${r.const}`;
      else if (r.defined_only && enumDefined && !enumDefined(n)) reason = `value ${n} is not defined in the enum`;
      else if (list(r.in) && !list(r.in)!.includes(n)) reason = `must be one of ${list(r.in)!.join(', ')}`;
      else if (list(r.not_in)?.includes(n)) reason = `must not be ${list(r.not_in)!.join(' or ')}`;
    }
  } else {
    const r = (rules as Record<string, NumericRules | undefined>)[kind];
    if (r) reason = numericProblem(r, value as Num);
  }
  if (reason) out.push({ path, reason });
}

function nanosOf(d: DurationLiteral): bigint {
  return BigInt(Math.trunc(d.seconds ?? 0)) * 1_000_000_000n + BigInt(Math.trunc(d.nanos ?? 0));
}

function showNanos(n: bigint): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const s = abs / 1_000_000_000n;
  const frac = abs % 1_000_000_000n;
  const fracText = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${neg ? '-' : ''}${s}${fracText}s`;
}

/** Duration and Timestamp rules, on the value as total nanoseconds (since the epoch for timestamps). */
export function checkTime(r: TimeRules, totalNanos: bigint, path: string, out: Problem[], timestamp: boolean): void {
  const fmt = timestamp ? (n: bigint) => new Date(Number(n / 1_000_000n)).toISOString() : showNanos;
  let reason: string | undefined;
  if (r.const !== undefined && totalNanos !== nanosOf(r.const)) reason = `must equal ${fmt(nanosOf(r.const))}`;
  const ins = list(r.in);
  if (!reason && ins && !ins.some((d) => nanosOf(d) === totalNanos)) {
    reason = `must be one of ${ins.map((d) => fmt(nanosOf(d))).join(', ')}`;
  }
  const outs = list(r.not_in);
  if (!reason && outs?.some((d) => nanosOf(d) === totalNanos)) reason = `must not be ${fmt(totalNanos)}`;
  if (!reason) {
    const b = {
      lt: r.lt && nanosOf(r.lt),
      lte: r.lte && nanosOf(r.lte),
      gt: r.gt && nanosOf(r.gt),
      gte: r.gte && nanosOf(r.gte),
    };
    reason = rangeProblem<bigint>(totalNanos, b, fmt);
  }
  if (reason) out.push({ path, reason });
}

export function checkAnyType(r: NonNullable<FieldRules['any']>, typeUrl: string, path: string, out: Problem[]): void {
  const ins = list(r.in);
  if (ins && !ins.includes(typeUrl)) out.push({ path, reason: `type must be one of ${ins.join(', ')}` });
  const outs = list(r.not_in);
  if (outs?.includes(typeUrl)) out.push({ path, reason: `type ${typeUrl} is not allowed here` });
}

export function checkCount(rules: FieldRules, count: number, path: string, out: Problem[]): void {
  const rep = rules.repeated;
  if (rep && !(rep.ignore_empty && count === 0)) {
    if (rep.min_items !== undefined && count < rep.min_items) {
      out.push({
        path,
        reason: rep.min_items === 1 ? 'must not be empty' : `must have at least ${rep.min_items} items`,
      });
    } else if (rep.max_items !== undefined && count > rep.max_items) {
      out.push({ path, reason: `must have at most ${rep.max_items} items` });
    }
  }
  const map = rules.map;
  if (map && !(map.ignore_empty && count === 0)) {
    if (map.min_pairs !== undefined && count < map.min_pairs) {
      out.push({
        path,
        reason: map.min_pairs === 1 ? 'must not be empty' : `must have at least ${map.min_pairs} entries`,
      });
    } else if (map.max_pairs !== undefined && count > map.max_pairs) {
      out.push({ path, reason: `must have at most ${map.max_pairs} entries` });
    }
  }
}

/** `repeated.unique` for scalar lists (PGV supports it for scalars and strings only). */
export function checkUnique(values: readonly unknown[], path: string, out: Problem[]): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const key =
      v instanceof Uint8Array ? `b:${Buffer.from(v).toString('base64')}` : `${typeof v}:${String(v?.toString())}`;
    const first = seen.get(key);
    if (first !== undefined)
      out.push({ path: `${path}[${i}]`, reason: `repeats item [${first}]; items must be unique` });
    else seen.set(key, i);
  });
}
