/**
 * Writes a decoded protobufjs message as proto3 JSON the way Envoy prints its config (protoc's
 * printer with `preserving_proto_field_names`): snake_case names, enums by name, 64-bit integers
 * as strings, default-valued fields without presence left out, each Any expanded inline after its
 * `"@type"`, Duration as `"1.500s"`. Values that have no JSON form (an Any of an unknown type, a
 * Duration out of range) become Problems.
 */
import { nestedPlan, planOf, type TypePlan, type ValueKind } from './message-plan';
import { fieldPath, indexPath, keyPath, type Problem } from './problem';
import { Bad, isDefault, toBigInt, writeMapKey, writeScalar } from './scalars';
import type { EnvoySchema } from './schema';
import { formatDuration, formatFieldMask, formatTimestamp } from './time-and-mask';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

type Msg = Record<string, unknown>;
const hasOwn = (o: object, k: string) => Object.hasOwn(o, k);

/** Sets a key without tripping over `__proto__`, which Struct keys and map keys may be. */
function put(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export class JsonWriter {
  readonly problems: Problem[] = [];

  constructor(private readonly schema: EnvoySchema) {}

  private bad(path: string, reason: string): null {
    this.problems.push({ path, reason });
    return null;
  }

  message(plan: TypePlan, msg: Msg, path: string): JsonValue {
    if (plan.wellKnown) return this.wellKnown(plan, msg, path);
    const out: JsonObject = {};
    this.fields(plan, msg, path, out);
    return out;
  }

  private fields(plan: TypePlan, msg: Msg, path: string, out: JsonObject): void {
    for (const f of plan.fields) {
      const v = msg[f.name];
      if (v == null) continue;
      if (f.map) {
        const keys = Object.keys(v as object);
        if (keys.length === 0) continue;
        const obj: JsonObject = {};
        const p = fieldPath(path, f.name);
        for (const k of keys) {
          const key = writeMapKey(f.keyType!, k);
          put(obj, key, this.value(f.value, (v as Msg)[k], keyPath(p, key)));
        }
        out[f.name] = obj;
      } else if (f.repeated) {
        const list = v as unknown[];
        if (list.length === 0) continue;
        const p = fieldPath(path, f.name);
        out[f.name] = list.map((el, i) => this.value(f.value, el, indexPath(p, i)));
      } else if (f.presence ? hasOwn(msg, f.name) : !isDefault(v)) {
        out[f.name] = this.value(f.value, v, fieldPath(path, f.name));
      }
    }
  }

  private value(kind: ValueKind, v: unknown, path: string): JsonValue {
    if (kind.kind === 'scalar') return writeScalar(kind.scalar, v) as JsonValue;
    if (kind.kind === 'enum') {
      if (kind.isNullValue) return null;
      return kind.enum.valuesById[v as number] ?? (v as number);
    }
    return this.message(kind.plan, v as Msg, path);
  }

  /** An Any, expanded: `{"@type": url, ...fields}` (or `"value"` for well-known types). */
  any(typeUrl: string, bytes: Uint8Array, path: string): JsonValue {
    const type = this.schema.lookupType(typeUrl);
    if (!type) return this.bad(path, `cannot expand Any: ${this.schema.whyUnavailable(typeUrl)}`);
    let inner: Msg;
    try {
      inner = type.decode(bytes) as unknown as Msg;
    } catch (e) {
      return this.bad(path, `malformed ${type.fullName.slice(1)} inside Any: ${(e as Error).message}`);
    }
    const plan = planOf(type);
    const out: JsonObject = { '@type': typeUrl };
    if (plan.wellKnown) out.value = this.wellKnown(plan, inner, fieldPath(path, 'value'));
    else this.fields(plan, inner, path, out);
    return out;
  }

  private wellKnown(plan: TypePlan, msg: Msg, path: string): JsonValue {
    switch (plan.wellKnown) {
      case 'Any':
        return this.any(String(msg.type_url ?? ''), (msg.value as Uint8Array) ?? new Uint8Array(0), path);
      case 'Duration':
      case 'Timestamp': {
        const seconds = toBigInt(msg.seconds ?? 0);
        const nanos = Number(msg.nanos ?? 0);
        const text = plan.wellKnown === 'Duration' ? formatDuration(seconds, nanos) : formatTimestamp(seconds, nanos);
        return text instanceof Bad ? this.bad(path, text.reason) : text;
      }
      case 'FieldMask': {
        const text = formatFieldMask((msg.paths as string[]) ?? []);
        return text instanceof Bad ? this.bad(path, text.reason) : text;
      }
      case 'Wrapper':
        return writeScalar(plan.wrapped!, msg.value) as JsonValue;
      case 'Struct': {
        const out: JsonObject = {};
        const fields = (msg.fields ?? {}) as Record<string, Msg>;
        const valuePlan = nestedPlan(plan, 1);
        for (const k of Object.keys(fields)) put(out, k, this.message(valuePlan, fields[k], keyPath(path, k)));
        return out;
      }
      case 'ListValue': {
        const valuePlan = nestedPlan(plan, 1);
        return ((msg.values ?? []) as Msg[]).map((v, i) => this.message(valuePlan, v, indexPath(path, i)));
      }
      default:
        return this.structValue(plan, msg, path);
    }
  }

  private structValue(plan: TypePlan, msg: Msg, path: string): JsonValue {
    for (const f of plan.fields) {
      if (!hasOwn(msg, f.name) || msg[f.name] == null) continue;
      switch (f.field.id) {
        case 1:
          return null;
        case 2: {
          const n = msg[f.name] as number;
          return Number.isFinite(n) ? n : this.bad(path, `google.protobuf.Value holds ${n}, which JSON cannot`);
        }
        case 3:
        case 4:
          return msg[f.name] as JsonValue;
        default:
          return this.value(f.value, msg[f.name], path);
      }
    }
    return this.bad(path, 'google.protobuf.Value has no kind set');
  }
}
