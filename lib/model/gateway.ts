/**
 * Ingress (App Mesh's virtual gateway and gateway routes): a standalone proxy that takes
 * traffic from outside the mesh and routes it to services by hostname, path and headers.
 */
import { z } from 'zod';
import { gatewayJwt, gatewayRouteJwt } from './jwt';
import { connectionPool, healthCheck, timeout } from './listener';
import { headerMatch, hostnameMatch, method, pathMatch, queryParameterMatch } from './match';
import { dnsName, identifier, port } from './primitives';
import { accessLog } from './version';

export const gatewayListener = z.strictObject({
  port,
  protocol: z.enum(['http', 'http2', 'grpc']),
  healthCheck: healthCheck.optional(),
  connectionPool: connectionPool.optional(),
  timeout: timeout.optional(),
});
export type GatewayListener = z.infer<typeof gatewayListener>;

export const gatewayRouteMatch = z.strictObject({
  hostname: hostnameMatch.optional(),
  path: pathMatch.optional(),
  headers: z.array(headerMatch).max(10).optional(),
  queryParameters: z.array(queryParameterMatch).max(10).optional(),
  method: method.optional(),
  /** Which gateway listener, when it has several. */
  port: port.optional(),
  /** gRPC gateway routes: the fully qualified gRPC service name. */
  serviceName: z.string().min(1).optional(),
  metadata: z.array(headerMatch).max(10).optional(),
});
export type GatewayRouteMatch = z.infer<typeof gatewayRouteMatch>;

export const gatewayRoute = z.strictObject({
  name: identifier,
  priority: z.number().int().min(0).max(1000).optional(),
  match: gatewayRouteMatch.optional(),
  target: z.strictObject({
    service: dnsName,
    /** Which of the service's listeners, when it has several. */
    port: port.optional(),
  }),
  /**
   * As App Mesh: by default the matched prefix becomes `/` and the Host header becomes the
   * target service's name.
   */
  rewrite: z
    .strictObject({
      /** Replacement for the matched prefix; `false` forwards the path unchanged. */
      prefix: z.union([z.string().startsWith('/', "must start with '/'"), z.literal(false)]).optional(),
      /** Replaces the whole path. */
      path: z.string().startsWith('/', "must start with '/'").optional(),
      /** `false` keeps the client's Host header. */
      hostname: z.literal(false).optional(),
    })
    .optional(),
  /** Overrides the gateway's JWT requirement for this route. */
  jwt: gatewayRouteJwt.optional(),
});
export type GatewayRoute = z.infer<typeof gatewayRoute>;

export const gateway = z.strictObject({
  listeners: z.array(gatewayListener).min(1),
  routes: z.array(gatewayRoute).default([]),
  accessLog: accessLog.optional(),
  /** Bearer tokens the gateway requires before routing. */
  jwt: gatewayJwt.optional(),
});
export type Gateway = z.infer<typeof gateway>;
