/**
 * Reads a proto3 JSON document strictly, as protoc's JSON parser does without
 * `ignore_unknown_fields`, into the plain object protobufjs encodes: enums as numbers, 64-bit
 * integers as numbers or Longs, bytes as Uint8Array, well-known types as their messages and each
 * Any already packed as `{ type_url, value }`. Every mismatch becomes a Problem with its path; with
 * `rules` on, protoc-gen-validate rules are checked on the way, so one walk does both.
 */
import { type FieldPlan, nestedPlan, planOf, type TypePlan, type ValueKind } from './message-plan';
import { checkAnyType, checkCount, checkScalar, checkTime, checkUnique, type ScalarValue } from './pgv-checks';
import type { FieldRules } from './pgv-rules';
import { fieldPath, indexPath, keyPath, type Problem } from './problem';
import { Bad, describe, is64, isUnsigned, readMapKey, readScalar, toBigInt, toProtobufInt64 } from './scalars';
import type { EnvoySchema } from './schema';
import { parseDuration, parseFieldMask, parseTimestamp, totalNanos } from './time-and-mask';

type Obj = Record<string, unknown>;

/** protoc's default recursion limit; deeper documents are refused rather than overflow the stack. */
const MAX_DEPTH = 100;

export interface PackedAny {
  type_url: string;
  value: Uint8Array;
}

export interface ReadOptions {
  /** Check protoc-gen-validate rules too. */
  readonly rules: boolean;
  /** Encode the contents of each Any (needed to encode; wasted work when only validating). */
  readonly packAny: boolean;
}

function isObject(json: unknown): json is Obj {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

function unknownField(plan: TypePlan, key: string): string {
  const folded = key.toLowerCase().replace(/_/g, '');
  const near = plan.fields.find(
    (f) => f.name.replace(/_/g, '') === folded || editDistance(f.name, key) <= 2 || editDistance(f.jsonName, key) <= 2,
  );
  return `unknown field "${key}" in ${plan.fullName}${near ? ` (did you mean "${near.name}"?)` : ''}`;
}

/** null stands for "not set" except where it is a value: google.protobuf.Value and NullValue. */
function nullIsValue(kind: ValueKind): boolean {
  if (kind.kind === 'enum') return kind.isNullValue;
  return kind.kind === 'message' && kind.plan.wellKnown === 'Value';
}

function scalarName(kind: ValueKind): string {
  return kind.kind === 'scalar' ? kind.scalar : kind.kind === 'enum' ? 'enum' : 'message';
}

function defaultValue(f: FieldPlan): ScalarValue {
  if (f.value.kind === 'enum') return 0;
  if (f.value.kind === 'scalar') {
    const t = f.value.scalar;
    if (t === 'string') return '';
    if (t === 'bool') return false;
    if (t === 'bytes') return new Uint8Array(0);
    return is64(t) ? 0n : 0;
  }
  return 0;
}

export class JsonReader {
  readonly problems: Problem[] = [];
  private depth = 0;
  private rules: boolean;

  constructor(
    private readonly schema: EnvoySchema,
    private readonly options: ReadOptions,
  ) {
    this.rules = options.rules;
  }

  private bad(path: string, reason: string): undefined {
    this.problems.push({ path, reason });
    return undefined;
  }

  /** A message (or well-known type) at `path`; `inAny` skips the `@type` key of an unpacked Any. */
  message(plan: TypePlan, json: unknown, path: string, inAny = false): Obj | undefined {
    if (plan.wellKnown) return this.wellKnown(plan, json, path);
    if (!isObject(json)) return this.bad(path, `expected an object for ${plan.fullName}, got ${describe(json)}`);
    if (this.depth >= MAX_DEPTH) return this.bad(path, `nested more than ${MAX_DEPTH} messages deep`);
    this.depth++;
    const out: Obj = {};
    let oneofs: Map<string, string> | undefined;
    for (const key of Object.keys(json)) {
      if (inAny && key === '@type') continue;
      const f = plan.byJsonKey.get(key);
      const p = fieldPath(path, key);
      if (!f) {
        this.bad(p, unknownField(plan, key));
        continue;
      }
      const v = json[key];
      // undefined: what JSON.stringify would drop; null: "not set" in proto3 JSON.
      if (v === undefined || (v === null && !(nullIsValue(f.value) && !f.repeated && !f.map))) continue;
      if (key !== f.name && f.name in json) {
        this.bad(p, `field ${f.name} is given twice (as "${f.name}" and "${key}")`);
        continue;
      }
      if (f.oneof) {
        const other = oneofs?.get(f.oneof);
        if (other !== undefined) {
          this.bad(p, `"${key}" and "${other}" are both set, but only one field of oneof ${f.oneof} may be`);
          continue;
        }
        oneofs ??= new Map();
        oneofs.set(f.oneof, key);
      }
      const value = this.field(f, v, p);
      if (value !== undefined) out[f.name] = value;
    }
    if (this.rules) this.checkAbsent(plan, json, path, oneofs);
    this.depth--;
    return out;
  }

  /** PGV rules that apply to fields the document leaves out, and required oneofs. */
  private checkAbsent(plan: TypePlan, json: Obj, path: string, oneofs: Map<string, string> | undefined): void {
    for (const o of plan.oneofs) {
      if (o.required && !oneofs?.has(o.name)) {
        this.bad(path, `one of ${o.fields.map((f) => f.name).join(', ')} must be set (oneof ${o.name})`);
      }
    }
    for (const f of plan.checkWhenAbsent) {
      if (f.oneof || (json[f.name] ?? json[f.jsonName]) != null) continue;
      const r = f.rules!;
      const p = fieldPath(path, f.name);
      if (f.repeated || f.map) checkCount(r, 0, p, this.problems);
      else if (r.message?.required || r.duration?.required || r.any?.required || r.timestamp?.required) {
        this.bad(p, 'is required');
      } else {
        checkScalar(r, scalarName(f.value), defaultValue(f), p, this.problems, () => true);
      }
    }
  }

  private field(f: FieldPlan, v: unknown, path: string): unknown {
    if (f.map) return this.map(f, v, path);
    if (f.repeated) return this.list(f, v, path);
    const rules = this.rules ? f.rules : undefined;
    if (rules?.message?.skip) {
      this.rules = false;
      const value = this.value(f.value, v, path);
      this.rules = true;
      return value;
    }
    const value = this.value(f.value, v, path);
    if (value !== undefined && rules) this.checkPresent(rules, f.value, value, path);
    return value;
  }

  private list(f: FieldPlan, v: unknown, path: string): unknown[] | undefined {
    if (!Array.isArray(v)) return this.bad(path, `expected an array, got ${describe(v)}`);
    const rules = this.rules ? f.rules : undefined;
    const items = rules?.repeated?.items;
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = indexPath(path, i);
      const el = v[i];
      if (el === null && !nullIsValue(f.value)) {
        this.bad(p, 'list elements cannot be null');
        continue;
      }
      const x = this.value(f.value, el, p);
      if (x === undefined) continue;
      out.push(x);
      if (items) this.checkPresent(items, f.value, x, p);
    }
    if (rules) {
      checkCount(rules, v.length, path, this.problems);
      if (rules.repeated?.unique && out.length === v.length) checkUnique(out, path, this.problems);
    }
    return out;
  }

  private map(f: FieldPlan, v: unknown, path: string): Obj | undefined {
    if (!isObject(v)) return this.bad(path, `expected an object (a map), got ${describe(v)}`);
    const rules = this.rules ? f.rules?.map : undefined;
    const keyType = f.keyType!;
    const out: Obj = Object.create(null);
    const keys = Object.keys(v);
    for (const key of keys) {
      const p = keyPath(path, key);
      const k = readMapKey(keyType, key);
      if (k instanceof Bad) {
        this.bad(p, k.reason);
        continue;
      }
      if (k in out) {
        this.bad(p, `map key ${JSON.stringify(key)} repeats another key`);
        continue;
      }
      const el = v[key];
      if (el === undefined) continue;
      if (el === null && !nullIsValue(f.value)) {
        this.bad(p, 'map values cannot be null');
        continue;
      }
      const x = this.value(f.value, el, p);
      if (x === undefined) continue;
      out[k] = x;
      if (rules?.keys) {
        const typed = readScalar(keyType, keyType === 'bool' ? key === 'true' : key);
        if (!(typed instanceof Bad)) checkScalar(rules.keys, keyType, typed, p, this.problems);
      }
      if (rules?.values) this.checkPresent(rules.values, f.value, x, p);
    }
    if (this.rules && f.rules) checkCount(f.rules, keys.length, path, this.problems);
    return out;
  }

  private value(kind: ValueKind, v: unknown, path: string): unknown {
    if (kind.kind === 'message') return this.message(kind.plan, v, path);
    if (kind.kind === 'enum') return this.enumValue(kind, v, path);
    const r = readScalar(kind.scalar, v);
    if (r instanceof Bad) return this.bad(path, r.reason);
    return typeof r === 'bigint' ? toProtobufInt64(r, isUnsigned(kind.scalar)) : r;
  }

  private enumValue(kind: Extract<ValueKind, { kind: 'enum' }>, v: unknown, path: string): number | undefined {
    if (kind.isNullValue && (v === null || v === 'NULL_VALUE')) return 0;
    if (typeof v === 'string') {
      const n = kind.enum.values[v];
      if (n !== undefined) return n;
      const names = Object.keys(kind.enum.values);
      const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
      return this.bad(path, `unknown value "${v}" for enum ${kind.enum.fullName.slice(1)} (expected one of ${shown})`);
    }
    if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return v;
    return this.bad(path, `expected an enum name (string) for ${kind.enum.fullName.slice(1)}, got ${describe(v)}`);
  }

  /** Rules on a value that is present: a scalar, enum, wrapper, Duration, Timestamp or Any. */
  private checkPresent(rules: FieldRules, kind: ValueKind, value: unknown, path: string): void {
    if (kind.kind === 'scalar') {
      const v = is64(kind.scalar) ? toBigInt(value) : (value as ScalarValue);
      checkScalar(rules, kind.scalar, v, path, this.problems);
    } else if (kind.kind === 'enum') {
      checkScalar(rules, 'enum', value as number, path, this.problems, (n) => kind.enum.valuesById[n] !== undefined);
    } else {
      const plan = kind.plan;
      const obj = value as Obj;
      if (plan.wellKnown === 'Wrapper') {
        const t = plan.wrapped!;
        checkScalar(rules, t, is64(t) ? toBigInt(obj.value) : (obj.value as ScalarValue), path, this.problems);
      } else if (
        (plan.wellKnown === 'Duration' || plan.wellKnown === 'Timestamp') &&
        (rules.duration || rules.timestamp)
      ) {
        const nanos = totalNanos({ seconds: toBigInt(obj.seconds), nanos: obj.nanos as number });
        checkTime((rules.duration ?? rules.timestamp)!, nanos, path, this.problems, plan.wellKnown === 'Timestamp');
      } else if (plan.wellKnown === 'Any' && rules.any) {
        checkAnyType(rules.any, (obj as unknown as PackedAny).type_url, path, this.problems);
      }
    }
  }

  /** An Any: `{"@type": url, ...fields}`, or `{"@type": url, "value": json}` for well-known types. */
  any(json: unknown, path: string): PackedAny | undefined {
    if (!isObject(json))
      return this.bad(path, `expected an object with "@type" for google.protobuf.Any, got ${describe(json)}`);
    const url = json['@type'];
    if (url === undefined) return this.bad(path, 'missing "@type" (google.protobuf.Any needs a type URL)');
    const urlPath = keyPath(path, '@type');
    if (typeof url !== 'string') return this.bad(urlPath, `expected a type URL string, got ${describe(url)}`);
    const slash = url.lastIndexOf('/');
    if (slash < 0 || slash === url.length - 1) {
      return this.bad(urlPath, `"${url}" is not a type URL (expected type.googleapis.com/<message name>)`);
    }
    const type = this.schema.lookupType(url);
    if (!type) return this.bad(urlPath, this.schema.whyUnavailable(url));
    const plan = planOf(type);
    const before = this.problems.length;
    let inner: Obj | undefined;
    if (plan.wellKnown) {
      for (const key of Object.keys(json)) {
        if (key !== '@type' && key !== 'value') {
          this.bad(fieldPath(path, key), `unknown field "${key}": an Any holding ${plan.fullName} has only "value"`);
        }
      }
      if (!('value' in json)) return this.bad(path, `missing "value" for the ${plan.fullName} inside this Any`);
      inner = this.message(plan, json.value, fieldPath(path, 'value'));
    } else {
      inner = this.message(plan, json, path, true);
    }
    if (!inner) return undefined;
    // Only the type URL matters when validating, or when the contents already failed.
    if (!this.options.packAny || this.problems.length > before) return { type_url: url, value: new Uint8Array(0) };
    return { type_url: url, value: type.encode(inner).finish() };
  }

  private wellKnown(plan: TypePlan, json: unknown, path: string): Obj | undefined {
    switch (plan.wellKnown) {
      case 'Any':
        return this.any(json, path) as Obj | undefined;
      case 'Duration':
      case 'Timestamp': {
        const t = plan.wellKnown === 'Duration' ? parseDuration(json) : parseTimestamp(json);
        if (t instanceof Bad) return this.bad(path, t.reason);
        return { seconds: toProtobufInt64(t.seconds, false), nanos: t.nanos };
      }
      case 'FieldMask': {
        const paths = parseFieldMask(json);
        return paths instanceof Bad ? this.bad(path, paths.reason) : { paths };
      }
      case 'Wrapper': {
        const t = plan.wrapped!;
        const r = readScalar(t, json);
        if (r instanceof Bad) return this.bad(path, r.reason);
        return { value: typeof r === 'bigint' ? toProtobufInt64(r, isUnsigned(t)) : r };
      }
      case 'Struct':
        return this.struct(plan, json, path);
      case 'ListValue':
        return this.listValue(plan, json, path);
      default:
        return this.structValue(plan, json, path);
    }
  }

  private struct(plan: TypePlan, json: unknown, path: string): Obj | undefined {
    if (!isObject(json)) return this.bad(path, `expected an object for google.protobuf.Struct, got ${describe(json)}`);
    if (this.depth >= MAX_DEPTH) return this.bad(path, `nested more than ${MAX_DEPTH} levels deep`);
    this.depth++;
    const valuePlan = nestedPlan(plan, 1);
    const fields: Obj = Object.create(null);
    for (const key of Object.keys(json)) {
      if (json[key] === undefined) continue; // as JSON.stringify would drop it
      const v = this.structValue(valuePlan, json[key], keyPath(path, key));
      if (v !== undefined) fields[key] = v;
    }
    this.depth--;
    return { fields };
  }

  private listValue(plan: TypePlan, json: unknown, path: string): Obj | undefined {
    if (!Array.isArray(json))
      return this.bad(path, `expected an array for google.protobuf.ListValue, got ${describe(json)}`);
    if (this.depth >= MAX_DEPTH) return this.bad(path, `nested more than ${MAX_DEPTH} levels deep`);
    this.depth++;
    const valuePlan = nestedPlan(plan, 1);
    const values: unknown[] = [];
    json.forEach((el, i) => {
      const v = this.structValue(valuePlan, el, indexPath(path, i));
      if (v !== undefined) values.push(v);
    });
    this.depth--;
    return { values };
  }

  /** google.protobuf.Value: any JSON value. Field names come by number (the bundled type is camelCase). */
  private structValue(plan: TypePlan, json: unknown, path: string): Obj | undefined {
    const name = (id: number) => plan.byId.get(id)!.name;
    if (json === null) return { [name(1)]: 0 };
    switch (typeof json) {
      case 'number':
        if (!Number.isFinite(json)) return this.bad(path, `google.protobuf.Value cannot hold ${json}`);
        return { [name(2)]: json };
      case 'string': {
        const s = readScalar('string', json);
        return s instanceof Bad ? this.bad(path, s.reason) : { [name(3)]: s };
      }
      case 'boolean':
        return { [name(4)]: json };
      case 'object': {
        if (Array.isArray(json)) {
          const list = this.listValue(nestedPlan(plan, 6), json, path);
          return list && { [name(6)]: list };
        }
        const struct = this.struct(nestedPlan(plan, 5), json, path);
        return struct && { [name(5)]: struct };
      }
      default:
        return this.bad(path, `${typeof json} is not a JSON value`);
    }
  }
}
