/**
 * A @grpc/grpc-js service definition for any service in Envoy's API (the xDS discovery services:
 * AggregatedDiscoveryService, ClusterDiscoveryService, …) whose messages travel as proto3 JSON
 * through this package's codec. Servers and clients then handle the same JSON the rest of
 * Trellis does; a serializer also takes bytes as they are, so a server can pre-encode a
 * DiscoveryResponse once and send it to many proxies.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { Method } from 'protobufjs';
import { decode, encode, type JsonValue } from './proto-json';
import { loadEnvoySchema } from './schema';

function serializer(typeName: string): (value: unknown) => Buffer {
  return (value) => {
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const bytes = encode(typeName, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(typeName: string): (bytes: Buffer) => JsonValue {
  return (bytes) => decode(typeName, bytes);
}

/**
 * `grpcServiceDefinition('envoy.service.discovery.v3.AggregatedDiscoveryService')` → methods keyed
 * by their .proto names (`StreamAggregatedResources`, `DeltaAggregatedResources`).
 */
export function grpcServiceDefinition(serviceName: string): ServiceDefinition {
  const service = loadEnvoySchema().lookupService(serviceName);
  if (!service) throw new Error(`unknown service ${serviceName}: not in Envoy's API`);
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    const m = method.resolve() as Method;
    const request = m.resolvedRequestType!.fullName.slice(1);
    const response = m.resolvedResponseType!.fullName.slice(1);
    definition[m.name] = {
      path: `/${service.fullName.slice(1)}/${m.name}`,
      requestStream: m.requestStream === true,
      responseStream: m.responseStream === true,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      originalName: m.name.charAt(0).toLowerCase() + m.name.slice(1),
    };
  }
  return definition as ServiceDefinition;
}
