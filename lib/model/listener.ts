/**
 * A version's listener (App Mesh's virtual node listener): the port the application
 * serves on and the policies its sidecar applies to traffic for it. Ranges are App Mesh's
 * where App Mesh had them, so imported meshes validate unchanged.
 */
import { z } from 'zod';
import { duration, port, protocol } from './primitives';

export const healthCheck = z.strictObject({
  /** Defaults to the listener's protocol (`tcp` only opens a connection). */
  protocol: protocol.optional(),
  /** Request path for `http`/`http2`; `grpc` uses the gRPC health checking protocol. */
  path: z.string().startsWith('/', "must start with '/'").optional(),
  /** Defaults to the listener's port. */
  port: port.optional(),
  interval: duration({ min: '5s', max: '300s' }).default('10s'),
  timeout: duration({ min: '2s', max: '60s' }).default('2s'),
  healthyThreshold: z.number().int().min(2).max(10).default(2),
  unhealthyThreshold: z.number().int().min(2).max(10).default(2),
});
export type HealthCheck = z.infer<typeof healthCheck>;

/** Limits on traffic into the version, enforced by its own sidecar (App Mesh semantics). */
export const connectionPool = z.strictObject({
  /** `http` and `tcp` listeners. */
  maxConnections: z.number().int().min(1).optional(),
  /** `http` listeners: requests queued while every connection is busy. */
  maxPendingRequests: z.number().int().min(1).optional(),
  /** `http2` and `grpc` listeners: concurrent requests. */
  maxRequests: z.number().int().min(1).optional(),
});
export type ConnectionPool = z.infer<typeof connectionPool>;

/** Passive health: callers eject an endpoint of this version after repeated server errors. */
export const outlierDetection = z.strictObject({
  maxServerErrors: z.number().int().min(1).default(5),
  interval: duration({ min: '10ms', max: '24h' }).default('10s'),
  baseEjectionDuration: duration({ min: '10ms', max: '24h' }).default('30s'),
  maxEjectionPercent: z.number().int().min(0).max(100).default(10),
});
export type OutlierDetection = z.infer<typeof outlierDetection>;

export const timeout = z.strictObject({
  /** Whole request, first byte out to last byte in; `0s` disables. */
  perRequest: duration({ min: '1ms', max: '24h', allowZero: true }).optional(),
  /** Connection or stream with no activity; `0s` disables. */
  idle: duration({ min: '1ms', max: '24h', allowZero: true }).optional(),
});
export type Timeout = z.infer<typeof timeout>;

export const listener = z.strictObject({
  port,
  protocol,
  healthCheck: healthCheck.optional(),
  connectionPool: connectionPool.optional(),
  outlierDetection: outlierDetection.optional(),
  timeout: timeout.optional(),
});
export type Listener = z.infer<typeof listener>;
