// Envoy v3 schema and proto3 JSON codec: see README.md in this folder.
export { grpcServiceDefinition } from './grpc-service';
export { formatProblem, type Problem, ProtoJsonError } from './problem';
export {
  decode,
  decodeAny,
  type EncodeOptions,
  encode,
  encodeAny,
  type JsonObject,
  type JsonValue,
  type PackedAny,
  toProtobufjsObject,
  validateJson,
} from './proto-json';
export {
  type EnvoySchema,
  loadEnvoySchema,
  releaseEnvoySchema,
  releaseEnvoySchemaWhenIdle,
  typeNameOf,
} from './schema';
export * from './type-urls';
