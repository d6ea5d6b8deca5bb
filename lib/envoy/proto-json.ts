/**
 * The strict proto3 JSON codec for Envoy v3 resources: validate a JSON-mapped resource against
 * Envoy's own schema (protobuf JSON mapping + protoc-gen-validate rules), encode it to protobuf
 * bytes, and decode bytes back to the same JSON. Type names may be given as full names
 * (`envoy.config.cluster.v3.Cluster`) or type URLs.
 */

import { JsonReader, type PackedAny } from './json-reader';
import { type JsonObject, type JsonValue, JsonWriter } from './json-writer';
import { planOf, type TypePlan } from './message-plan';
import { type Problem, ProtoJsonError } from './problem';
import { loadEnvoySchema, typeNameOf } from './schema';

export type { PackedAny } from './json-reader';
export type { JsonObject, JsonValue } from './json-writer';

export interface EncodeOptions {
  /** Also enforce protoc-gen-validate rules, as validateJson does. Default false: the hot path. */
  readonly validate?: boolean;
}

function planFor(typeName: string): TypePlan {
  return planOf(loadEnvoySchema().requireType(typeName));
}

/**
 * Reads a whole document. Trellis resources carry their own `"@type"`; at the top level it is
 * accepted when it names the type being read.
 */
function readRoot(reader: JsonReader, plan: TypePlan, json: unknown): Record<string, unknown> | undefined {
  if (plan.wellKnown || typeof json !== 'object' || json === null || !('@type' in json)) {
    return reader.message(plan, json, '');
  }
  const url = (json as Record<string, unknown>)['@type'];
  if (typeof url !== 'string' || typeNameOf(url) !== plan.fullName) {
    reader.problems.push({
      path: '["@type"]',
      reason: `names ${JSON.stringify(url)}, but the document is read as ${plan.fullName}`,
    });
  }
  return reader.message(plan, json, '', true);
}

/**
 * Every way `json` fails to be a valid `typeName` as Envoy would load it: JSON mapping errors
 * (unknown fields, wrong types, bad enums, durations, Any types, oneofs) and PGV rule violations.
 * An empty list means valid.
 */
export function validateJson(typeName: string, json: unknown): Problem[] {
  const reader = new JsonReader(loadEnvoySchema(), { rules: true, packAny: false });
  readRoot(reader, planFor(typeName), json);
  return reader.problems;
}

/** The object protobufjs would encode for `json` (snake_case names, with the schema's root). */
export function toProtobufjsObject(
  typeName: string,
  json: unknown,
  options: EncodeOptions = {},
): Record<string, unknown> {
  const reader = new JsonReader(loadEnvoySchema(), { rules: options.validate ?? false, packAny: true });
  const obj = readRoot(reader, planFor(typeName), json);
  if (reader.problems.length > 0 || !obj) throw new ProtoJsonError(typeNameOf(typeName), reader.problems);
  return obj;
}

/** Binary protobuf for a JSON-mapped message; throws ProtoJsonError listing every problem. */
export function encode(typeName: string, json: unknown, options: EncodeOptions = {}): Uint8Array {
  const plan = planFor(typeName);
  const reader = new JsonReader(loadEnvoySchema(), { rules: options.validate ?? false, packAny: true });
  const obj = readRoot(reader, plan, json);
  if (reader.problems.length > 0 || !obj) throw new ProtoJsonError(plan.fullName, reader.problems);
  return plan.type.encode(obj).finish();
}

/**
 * Proto3 JSON for binary protobuf; throws ProtoJsonError on malformed bytes or an Any it cannot
 * expand. Messages decode to objects; the type parameter only narrows the result for callers
 * decoding a well-known type whose JSON is a string, number or array.
 */
export function decode<T extends JsonValue = JsonObject>(typeName: string, bytes: Uint8Array): T {
  const plan = planFor(typeName);
  let msg: Record<string, unknown>;
  try {
    msg = plan.type.decode(bytes) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new ProtoJsonError(plan.fullName, [{ path: '', reason: `malformed protobuf: ${(e as Error).message}` }]);
  }
  const writer = new JsonWriter(loadEnvoySchema());
  const json = writer.message(plan, msg, '');
  if (writer.problems.length > 0) throw new ProtoJsonError(plan.fullName, writer.problems);
  return json as T;
}

/** Packs `{"@type": url, ...}` into google.protobuf.Any's `{ type_url, value }`. */
export function encodeAny(json: unknown, options: EncodeOptions = {}): PackedAny {
  const reader = new JsonReader(loadEnvoySchema(), { rules: options.validate ?? false, packAny: true });
  const any = reader.any(json, '');
  if (reader.problems.length > 0 || !any) throw new ProtoJsonError('google.protobuf.Any', reader.problems);
  return any;
}

/** Expands a google.protobuf.Any into `{"@type": url, ...fields}`. */
export function decodeAny(any: { type_url: string; value: Uint8Array }): JsonObject {
  const writer = new JsonWriter(loadEnvoySchema());
  const json = writer.any(any.type_url, any.value, '');
  if (writer.problems.length > 0) throw new ProtoJsonError('google.protobuf.Any', writer.problems);
  return json as JsonObject;
}
