/**
 * Per-type reflection, computed once and cached: the JSON names a field answers to, what kind of
 * value it holds, its oneof, whether it tracks presence, and its protoc-gen-validate rules. The
 * reader and writer walk these plans instead of asking protobufjs on every value.
 */
import { Enum, type Field, MapField, type Type } from 'protobufjs';
import { type FieldRules, rulesOf } from './pgv-rules';

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

/**
 * Messages whose JSON form is not an object of their fields (the JSON mapping's well-known types;
 * google.protobuf.Empty is an ordinary `{}`).
 */
export type WellKnownType =
  | 'Any'
  | 'Duration'
  | 'Timestamp'
  | 'FieldMask'
  | 'Struct'
  | 'Value'
  | 'ListValue'
  | 'Wrapper';

const WRAPPED: Record<string, ScalarType> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

const SPECIAL: Record<string, WellKnownType> = {
  '.google.protobuf.Any': 'Any',
  '.google.protobuf.Duration': 'Duration',
  '.google.protobuf.Timestamp': 'Timestamp',
  '.google.protobuf.FieldMask': 'FieldMask',
  '.google.protobuf.Struct': 'Struct',
  '.google.protobuf.Value': 'Value',
  '.google.protobuf.ListValue': 'ListValue',
};

export const NULL_VALUE_ENUM = '.google.protobuf.NullValue';

/** A message-typed value; its plan is looked up once, on first use (types may be recursive). */
export class MessageKind {
  readonly kind = 'message';
  private cached?: TypePlan;

  constructor(readonly type: Type) {}

  get plan(): TypePlan {
    this.cached ??= planOf(this.type);
    return this.cached;
  }
}

export type ValueKind =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly enum: Enum; readonly isNullValue: boolean }
  | MessageKind;

export interface FieldPlan {
  readonly field: Field;
  /** The .proto name (snake_case); protobufjs objects use it because the schema keeps case. */
  readonly name: string;
  readonly jsonName: string;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly keyType?: ScalarType;
  readonly value: ValueKind;
  /** Name of the (non-synthetic) oneof this field belongs to. */
  readonly oneof?: string;
  /** Message fields, oneof members and proto3 `optional`: absent differs from the default. */
  readonly presence: boolean;
  readonly rules?: FieldRules;
  readonly deprecated: boolean;
}

export interface OneofPlan {
  readonly name: string;
  readonly required: boolean;
  readonly fields: readonly FieldPlan[];
}

export interface TypePlan {
  readonly type: Type;
  /** Without the leading dot, as in type URLs. */
  readonly fullName: string;
  readonly fields: readonly FieldPlan[];
  /** Both the proto name and the json_name of every field. */
  readonly byJsonKey: ReadonlyMap<string, FieldPlan>;
  readonly oneofs: readonly OneofPlan[];
  /** Fields whose rules must be checked even when absent (PGV applies rules to implicit defaults). */
  readonly checkWhenAbsent: readonly FieldPlan[];
  readonly wellKnown?: WellKnownType;
  /** For wrapper types: the scalar inside. */
  readonly wrapped?: ScalarType;
  /** Fields by number, for well-known types whose bundled definitions use camelCase names. */
  readonly byId: ReadonlyMap<number, FieldPlan>;
}

const plans = new WeakMap<Type, TypePlan>();

export function wellKnownOf(type: Type): WellKnownType | undefined {
  return SPECIAL[type.fullName] ?? (type.fullName in WRAPPED ? 'Wrapper' : undefined);
}

function valueKind(field: Field): ValueKind {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof Enum) {
    return { kind: 'enum', enum: resolved, isNullValue: resolved.fullName === NULL_VALUE_ENUM };
  }
  if (resolved) return new MessageKind(resolved as Type);
  return { kind: 'scalar', scalar: field.type as ScalarType };
}

function planField(field: Field): FieldPlan {
  const value = valueKind(field);
  const isMap = field instanceof MapField;
  const synthetic = field.options?.proto3_optional === true;
  const oneof = field.partOf && !synthetic ? field.partOf.name : undefined;
  const presence = !field.repeated && !isMap && (value instanceof MessageKind || field.partOf != null);
  return {
    field,
    name: field.name,
    jsonName: field.jsonName ?? field.name,
    repeated: field.repeated && !isMap,
    map: isMap,
    keyType: isMap ? ((field as MapField).keyType as ScalarType) : undefined,
    value,
    oneof,
    presence,
    rules: rulesOf(field),
    deprecated: field.options?.deprecated === true,
  };
}

/** Whether PGV rules on this field say something about it when it is not set. */
function checksWhenAbsent(f: FieldPlan): boolean {
  const r = f.rules;
  if (!r) return false;
  if (f.repeated || f.map) return true; // min_items / min_pairs
  if (r.message?.required || r.duration?.required || r.any?.required || r.timestamp?.required) return true;
  // A scalar without presence is never "unset": its rules apply to the default value.
  return !f.presence && f.value.kind !== 'message';
}

export function planOf(type: Type): TypePlan {
  let plan = plans.get(type);
  if (plan) return plan;
  const fields = type.fieldsArray.map(planField);
  const byJsonKey = new Map<string, FieldPlan>();
  const byId = new Map<number, FieldPlan>();
  for (const f of fields) {
    byJsonKey.set(f.name, f);
    byJsonKey.set(f.jsonName, f);
    byId.set(f.field.id, f);
  }
  const oneofs: OneofPlan[] = [];
  for (const o of type.oneofsArray) {
    const members = fields.filter((f) => f.oneof === o.name);
    if (members.length === 0) continue; // a proto3 `optional` field's synthetic oneof
    oneofs.push({ name: o.name, required: o.options?.['(validate.required)'] === true, fields: members });
  }
  plan = {
    type,
    fullName: type.fullName.slice(1),
    fields,
    byJsonKey,
    oneofs,
    checkWhenAbsent: fields.filter(checksWhenAbsent),
    wellKnown: wellKnownOf(type),
    wrapped: WRAPPED[type.fullName],
    byId,
  };
  plans.set(type, plan);
  return plan;
}

/** The plan of message field number `id` of `plan` (for the well-known types' known shapes). */
export function nestedPlan(plan: TypePlan, id: number): TypePlan {
  const value = plan.byId.get(id)?.value;
  if (!(value instanceof MessageKind)) throw new Error(`${plan.fullName} field ${id} is not a message`);
  return value.plan;
}
