/**
 * The mesh: the root of a mesh file and of the TypeScript API. Every entry point (YAML,
 * CDK constructs, the App Mesh importer) produces this one shape.
 */
import { z } from 'zod';
import { gateway } from './gateway';
import { timeout } from './listener';
import { mtls } from './mtls';
import { dnsName, port } from './primitives';
import { retryPolicy } from './route';
import { service } from './service';
import { tracing } from './tracing';

export const externalService = z.strictObject({
  /** DNS names callers use; the proxy resolves them. */
  hosts: z.array(dnsName).min(1),
  port,
  /** `https` and `tls`: the proxy originates TLS, so the application speaks plain HTTP or TCP. */
  protocol: z.enum(['http', 'https', 'tcp', 'tls']),
});
export type ExternalService = z.infer<typeof externalService>;

export const meshDefaults = z.strictObject({
  /** Applied to HTTP and gRPC routes that set none; App Mesh's hidden default when omitted. */
  retryPolicy: retryPolicy.optional(),
  /** Applied to routes that set none; Envoy's 15s request timeout when omitted. */
  timeout: timeout.optional(),
});

export const mesh = z.strictObject({
  /** For editors: the JSON Schema this file follows. */
  $schema: z.string().optional(),
  name: dnsName,
  description: z.string().optional(),
  /** `DROP_ALL` (default): only services and external services of the mesh are reachable. */
  egress: z.enum(['ALLOW_ALL', 'DROP_ALL']).default('DROP_ALL'),
  defaults: meshDefaults.optional(),
  /** Mutual TLS between proxies. @default { mode: 'disabled' } */
  mtls: mtls.optional(),
  /** X-Ray traces from every proxy. @default none */
  tracing: tracing.optional(),
  services: z.record(dnsName, service),
  gateways: z.record(dnsName, gateway).optional(),
  externalServices: z.record(dnsName, externalService).optional(),
});

/** What users write (defaults not yet applied). */
export type MeshSpec = z.input<typeof mesh>;
/** A parsed mesh with field defaults applied, before cross-references are resolved. */
export type ParsedMesh = z.output<typeof mesh>;
