/**
 * Random proto3 JSON documents for any Envoy message, drawn from the schema itself: every field
 * kind, oneofs (at most one member), maps, well-known types and Anys of several types. Documents
 * follow the JSON mapping (so they must encode) but ignore PGV rules (so some fail validation).
 */
import fc from 'fast-check';
import type { JsonValue } from '../../lib/envoy';
import { type FieldPlan, MessageKind, planOf, type TypePlan, type ValueKind } from '../../lib/envoy/message-plan';
import { loadEnvoySchema } from '../../lib/envoy/schema';

type Gen = fc.GeneratorValue;

const ANY_TYPES = [
  'envoy.extensions.filters.http.router.v3.Router',
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  'envoy.extensions.access_loggers.file.v3.FileAccessLog',
  'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  'xds.type.v3.TypedStruct',
  'google.protobuf.Empty',
  'google.protobuf.Duration',
  'google.protobuf.UInt32Value',
  'google.protobuf.Struct',
];

const MAX_DEPTH = 5;
const INT_RANGE: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  sint32: [-2147483648, 2147483647],
  sfixed32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  fixed32: [0, 4294967295],
};
const BIG_RANGE: Record<string, [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function floating(v: number): JsonValue {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return v;
}

function scalar(g: Gen, t: string): JsonValue {
  if (t === 'string') return g(fc.string, { maxLength: 12 });
  if (t === 'bool') return g(fc.boolean);
  if (t === 'bytes') return Buffer.from(g(fc.uint8Array, { maxLength: 8 })).toString('base64');
  if (t === 'double') return floating(g(fc.double));
  if (t === 'float') return floating(g(fc.float));
  if (t in INT_RANGE) {
    const [min, max] = INT_RANGE[t];
    const n = g(fc.integer, { min, max });
    return g(fc.boolean) ? n : String(n);
  }
  const [min, max] = BIG_RANGE[t];
  const n = g(fc.bigInt, { min, max });
  return Number.isSafeInteger(Number(n)) && g(fc.boolean) ? Number(n) : n.toString();
}

function duration(g: Gen): string {
  const seconds = g(fc.integer, { min: -100000, max: 100000 });
  const digits = g(fc.integer, { min: 0, max: 9 });
  const frac = digits ? `.${g(fc.stringMatching, new RegExp(`^[0-9]{${digits}}$`))}` : '';
  return `${seconds}${frac}s`;
}

function timestamp(g: Gen): string {
  const ms = g(fc.integer, { min: -2208988800000, max: 4102444800000 });
  const iso = new Date(ms).toISOString();
  return g(fc.boolean) ? iso : `${iso.slice(0, 19)}Z`;
}

function wellKnown(g: Gen, plan: TypePlan, depth: number): JsonValue {
  switch (plan.wellKnown) {
    case 'Duration':
      return duration(g);
    case 'Timestamp':
      return timestamp(g);
    case 'FieldMask':
      return g(fc.array, fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/), { maxLength: 3 }).join(',');
    case 'Wrapper':
      return scalar(g, plan.wrapped!);
    case 'Struct':
      return g(fc.dictionary, fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) as JsonValue;
    case 'ListValue':
      return g(fc.array, fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }) as JsonValue;
    case 'Value':
      return g(fc.jsonValue, { maxDepth: 2 }) as JsonValue;
    default:
      return any(g, depth);
  }
}

function any(g: Gen, depth: number): JsonValue {
  const name = depth >= MAX_DEPTH ? 'google.protobuf.Empty' : g(fc.constantFrom, ...ANY_TYPES);
  const plan = planOf(loadEnvoySchema().requireType(name));
  const url = `type.googleapis.com/${name}`;
  if (plan.wellKnown) return { '@type': url, value: wellKnown(g, plan, depth + 1) };
  return { '@type': url, ...(message(g, plan, depth + 1) as Record<string, JsonValue>) };
}

function value(g: Gen, kind: ValueKind, depth: number): JsonValue {
  if (kind.kind === 'scalar') return scalar(g, kind.scalar);
  if (kind.kind === 'enum') {
    const names = Object.keys(kind.enum.values);
    return g(fc.integer, { min: 0, max: 9 }) === 0 ? g(fc.integer, { min: 0, max: 200 }) : g(fc.constantFrom, ...names);
  }
  return message(g, kind.plan, depth + 1);
}

function mapKey(g: Gen, keyType: string): string {
  if (keyType === 'string') return g(fc.string, { maxLength: 6 });
  if (keyType === 'bool') return String(g(fc.boolean));
  return String(scalar(g, keyType));
}

function field(g: Gen, f: FieldPlan, depth: number): JsonValue {
  if (f.repeated) return g(fc.array, fc.constant(null), { maxLength: 3 }).map(() => value(g, f.value, depth));
  if (f.map) {
    const out: Record<string, JsonValue> = {};
    for (let i = g(fc.integer, { min: 0, max: 2 }); i > 0; i--) out[mapKey(g, f.keyType!)] = value(g, f.value, depth);
    return out;
  }
  return value(g, f.value, depth);
}

/** Whether drawing this field could recurse without bound (messages, lists or maps of them). */
function recurses(f: FieldPlan): boolean {
  return f.value instanceof MessageKind && !f.value.plan.wellKnown;
}

export function message(g: Gen, plan: TypePlan, depth: number): JsonValue {
  if (plan.wellKnown) return wellKnown(g, plan, depth);
  const out: Record<string, JsonValue> = {};
  const chosenOneof = new Map<string, FieldPlan | null>();
  for (const o of plan.oneofs) {
    const i = g(fc.integer, { min: -1, max: o.fields.length - 1 });
    chosenOneof.set(o.name, i < 0 ? null : o.fields[i]);
  }
  for (const f of plan.fields) {
    if (f.oneof ? chosenOneof.get(f.oneof) !== f : g(fc.integer, { min: 0, max: 9 }) > 2) continue;
    if (depth >= MAX_DEPTH && recurses(f)) continue;
    out[g(fc.boolean) ? f.name : f.jsonName] = field(g, f, depth);
  }
  return out;
}

export function envoyJson(typeName: string): fc.Arbitrary<JsonValue> {
  const plan = planOf(loadEnvoySchema().requireType(typeName));
  return fc.gen().map((g) => message(g, plan, 0));
}
