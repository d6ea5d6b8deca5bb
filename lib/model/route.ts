/**
 * A service's routes (App Mesh's virtual router routes): how requests for the service are
 * matched and split across its versions, with retries and timeouts.
 */
import { z } from 'zod';
import { timeout } from './listener';
import { bodyMatch, headerMatch, method, pathMatch, queryParameterMatch } from './match';
import { dnsName, duration, identifier, port } from './primitives';

export const HTTP_RETRY_EVENTS = ['server-error', 'gateway-error', 'client-error', 'stream-error'] as const;
export const TCP_RETRY_EVENTS = ['connection-error'] as const;
export const GRPC_RETRY_EVENTS = [
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

export const retryPolicy = z
  .strictObject({
    /** Retries after the first attempt; `0` turns the mesh default off for this route. */
    maxRetries: z.number().int().min(0).max(50),
    /** Timeout of each attempt; defaults to the route's request timeout. */
    perRetryTimeout: duration({ min: '1ms', max: '24h' }).optional(),
    httpRetryEvents: z.array(z.enum(HTTP_RETRY_EVENTS)).optional(),
    tcpRetryEvents: z.array(z.enum(TCP_RETRY_EVENTS)).optional(),
    grpcRetryEvents: z.array(z.enum(GRPC_RETRY_EVENTS)).optional(),
    /** Specific response codes to retry, beyond the event families. */
    httpStatusCodes: z.array(z.number().int().min(100).max(599)).optional(),
    /** Exponential backoff with jitter between attempts (Envoy's defaults: 25ms, 250ms). */
    backoff: z
      .strictObject({ base: duration({ min: '1ms', max: '1h' }), max: duration({ min: '1ms', max: '1h' }).optional() })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const events =
      (p.httpRetryEvents?.length ?? 0) +
      (p.tcpRetryEvents?.length ?? 0) +
      (p.grpcRetryEvents?.length ?? 0) +
      (p.httpStatusCodes?.length ?? 0);
    if (p.maxRetries > 0 && events === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'set at least one of httpRetryEvents, tcpRetryEvents, grpcRetryEvents, httpStatusCodes',
      });
    }
  });
export type RetryPolicy = z.infer<typeof retryPolicy>;

/** A weighted destination: a version of this service, or of another service when `service` is set. */
export const target = z.strictObject({
  service: dnsName.optional(),
  /** May be omitted when the target service has exactly one version. */
  version: identifier.optional(),
  /** Relative weight, 0 to 100 as in App Mesh. */
  weight: z.number().int().min(0).max(100).default(1),
  /** Which of the version's listeners, when it has several. */
  port: port.optional(),
});
export type Target = z.infer<typeof target>;

export const routeMatch = z.strictObject({
  /** Defaults to every path (`prefix: /`). */
  path: pathMatch.optional(),
  headers: z.array(headerMatch).max(10).optional(),
  queryParameters: z.array(queryParameterMatch).max(10).optional(),
  method: method.optional(),
  scheme: z.enum(['http', 'https']).optional(),
  /** Which of the service's listeners the route applies to, when it has several. */
  port: port.optional(),
  body: bodyMatch.optional(),
  /** gRPC routes: the fully qualified service name, e.g. `catalog.v1.Catalog`. */
  serviceName: z.string().min(1).optional(),
  /** gRPC routes: the method name; needs `serviceName`. */
  methodName: z.string().min(1).optional(),
  /** gRPC routes: request metadata, matched like headers. */
  metadata: z.array(headerMatch).max(10).optional(),
});
export type RouteMatch = z.infer<typeof routeMatch>;

export const route = z.strictObject({
  name: identifier,
  /** Lower numbers are matched first (0 to 1000); routes without one come after, in file order. */
  priority: z.number().int().min(0).max(1000).optional(),
  match: routeMatch.optional(),
  targets: z.array(target).min(1).max(10),
  retryPolicy: retryPolicy.optional(),
  timeout: timeout.optional(),
  rewrite: z
    .strictObject({
      /** Replaces the matched path prefix. */
      prefix: z.string().startsWith('/', "must start with '/'").optional(),
      /** Replaces the Host/`:authority` header. */
      hostname: z.string().min(1).optional(),
    })
    .optional(),
});
export type Route = z.infer<typeof route>;
