/**
 * Checks values against protoc-gen-validate rules and reports each failure as a Problem: numbers
 * (with PGV's reversed, exclusive ranges), bools, enums, strings and bytes (pgv-string-rules),
 * durations and timestamps, Any type URLs, list and map sizes, and list uniqueness.
 */

import { type DurationLiteral, type FieldRules, list, type Num, type NumericRules, type TimeRules } from './pgv-rules';
import { bytesProblem, stringProblem } from './pgv-string-rules';
import type { Problem } from './problem';

function same(rule: number, value: Num): boolean {
  return typeof value === 'bigint' ? Number.isInteger(rule) && BigInt(rule) === value : rule === value;
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
