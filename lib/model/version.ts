/**
 * A version of a service (App Mesh's virtual node): one deployable unit with its
 * listeners, how it is discovered, and which services it may call.
 */
import { z } from 'zod';
import { listener } from './listener';
import { dnsName, exactlyOne, port } from './primitives';

const ipPreference = z.enum(['IPv4_ONLY', 'IPv6_ONLY', 'IPv4_PREFERRED', 'IPv6_PREFERRED']);

export const discovery = z
  .strictObject({
    /** AWS Cloud Map (the embedded registry stands in for it locally). */
    cloudMap: z
      .strictObject({
        /** Defaults to the mesh's namespace. */
        namespace: z.string().min(1).optional(),
        /** Defaults to the service's name. */
        service: z.string().min(1).optional(),
        /** Instances must carry all of these attributes; defaults to `{ version: <version> }`. */
        attributes: z.record(z.string().min(1), z.string()).optional(),
        ipPreference: ipPreference.optional(),
      })
      .optional(),
    /** A DNS name resolved by the proxy. */
    dns: z
      .strictObject({
        hostname: z.string().min(1),
        responseType: z.enum(['LOADBALANCER', 'ENDPOINTS']).optional(),
        ipPreference: ipPreference.optional(),
      })
      .optional(),
    /** Only on a laptop: the embedded registry, or fixed endpoints. */
    local: z
      .strictObject({
        endpoints: z.array(z.strictObject({ address: z.string().min(1), port })).optional(),
      })
      .optional(),
  })
  .superRefine((d, ctx) => exactlyOne(d, ['cloudMap', 'dns', 'local'], ctx));
export type Discovery = z.infer<typeof discovery>;

/** A service this version may call; a bare name is the short form. */
export const backend = z.union([dnsName, z.strictObject({ service: dnsName })]);
export type Backend = z.infer<typeof backend>;

export const accessLog = z
  .strictObject({
    /** A file path; `/dev/stdout` sends the log to the container's log driver. */
    path: z.string().min(1),
    /** Envoy's format string (`%START_TIME% %REQ(:METHOD)% …`); Envoy's default format when neither is set. */
    text: z.string().min(1).optional(),
    /** JSON lines: field name to Envoy format operator. */
    json: z.record(z.string().min(1), z.string()).optional(),
  })
  .superRefine((a, ctx) => exactlyOne(a, ['text', 'json'], ctx, true));
export type AccessLog = z.infer<typeof accessLog>;

/** How `trellis up` starts the application; ignored in AWS, where ECS runs it. */
export const run = z.strictObject({
  command: z.string().min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
});
export type Run = z.infer<typeof run>;

export const version = z.strictObject({
  listeners: z.array(listener).default([]),
  discovery: discovery.optional(),
  backends: z.array(backend).optional(),
  accessLog: accessLog.optional(),
  run: run.optional(),
});
export type Version = z.infer<typeof version>;
