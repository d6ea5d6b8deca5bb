/**
 * A virtual node's or virtual gateway's listener as a Trellis listener: port mapping,
 * health check, connection pool, outlier detection and timeouts carry over one to one
 * (the model kept App Mesh's ranges); listener TLS is reported, not carried over.
 */
import type {
  HealthCheckPolicy,
  Listener,
  ListenerTimeout,
  VirtualGatewayConnectionPool,
  VirtualGatewayListener,
  VirtualNodeConnectionPool,
} from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import type { gatewayListener } from '../../model/gateway';
import type { connectionPool, healthCheck, listener, outlierDetection, timeout } from '../../model/listener';
import type { PathSegment } from '../../model/problem';
import type { Source } from '../source';
import type { MapContext } from './context';
import { duration, millis } from './duration';
import { GATEWAY_TLS, listenerTlsNote, meshMtlsMode } from './mtls';

export type ListenerSpec = z.input<typeof listener>;
export type GatewayListenerSpec = z.input<typeof gatewayListener>;
type HealthCheckSpec = z.input<typeof healthCheck>;
type ConnectionPoolSpec = z.input<typeof connectionPool>;
type TimeoutSpec = z.input<typeof timeout>;
type OutlierDetectionSpec = z.input<typeof outlierDetection>;

function healthCheckSpec(hc: HealthCheckPolicy): HealthCheckSpec {
  const out: HealthCheckSpec = { protocol: hc.protocol };
  if (hc.path !== undefined) out.path = hc.path;
  if (hc.port !== undefined) out.port = hc.port;
  Object.assign(out, {
    interval: millis(hc.intervalMillis ?? 0),
    timeout: millis(hc.timeoutMillis ?? 0),
    healthyThreshold: hc.healthyThreshold,
    unhealthyThreshold: hc.unhealthyThreshold,
  });
  return out;
}

/** App Mesh nests the pool under the protocol (`http.maxConnections`); Trellis's listener already says it. */
function connectionPoolSpec(pool: VirtualNodeConnectionPool | VirtualGatewayConnectionPool): ConnectionPoolSpec {
  const p = pool as VirtualNodeConnectionPool;
  const out: ConnectionPoolSpec = {};
  const limits = { ...p.http, ...p.http2, ...p.grpc, ...p.tcp } as ConnectionPoolSpec;
  if (limits.maxConnections !== undefined) out.maxConnections = limits.maxConnections;
  if (limits.maxPendingRequests !== undefined) out.maxPendingRequests = limits.maxPendingRequests;
  if (limits.maxRequests !== undefined) out.maxRequests = limits.maxRequests;
  return out;
}

export function timeoutSpec(t: {
  perRequest?: { value?: number; unit?: string };
  idle?: { value?: number; unit?: string };
}): TimeoutSpec {
  const out: TimeoutSpec = {};
  if (t.perRequest) out.perRequest = duration(t.perRequest as never);
  if (t.idle) out.idle = duration(t.idle as never);
  return out;
}

function listenerTimeoutSpec(t: ListenerTimeout): TimeoutSpec {
  return timeoutSpec(t.http ?? t.http2 ?? t.grpc ?? t.tcp ?? {});
}

/** Records where each part came from, so a problem the model finds points at the App Mesh field. */
function traced<T>(
  ctx: MapContext,
  at: readonly PathSegment[],
  source: Source,
  from: readonly PathSegment[],
  value: T,
): T {
  ctx.trace.set(at, source, from);
  return value;
}

export function nodeListenerSpec(
  l: Listener,
  source: Source,
  from: readonly PathSegment[],
  at: readonly PathSegment[],
  ctx: MapContext,
): ListenerSpec {
  ctx.trace.set(at, source, from);
  const out: ListenerSpec = {
    port: traced(ctx, [...at, 'port'], source, [...from, 'portMapping', 'port'], l.portMapping?.port ?? 0),
    protocol: traced(
      ctx,
      [...at, 'protocol'],
      source,
      [...from, 'portMapping', 'protocol'],
      l.portMapping?.protocol ?? 'http',
    ),
  };
  if (l.healthCheck) {
    out.healthCheck = traced(
      ctx,
      [...at, 'healthCheck'],
      source,
      [...from, 'healthCheck'],
      healthCheckSpec(l.healthCheck),
    );
  }
  if (l.connectionPool) {
    out.connectionPool = traced(
      ctx,
      [...at, 'connectionPool'],
      source,
      [...from, 'connectionPool'],
      connectionPoolSpec(l.connectionPool),
    );
  }
  if (l.outlierDetection) {
    const o = l.outlierDetection;
    const od: OutlierDetectionSpec = {
      maxServerErrors: o.maxServerErrors,
      interval: duration(o.interval ?? {}),
      baseEjectionDuration: duration(o.baseEjectionDuration ?? {}),
      maxEjectionPercent: o.maxEjectionPercent,
    };
    out.outlierDetection = traced(ctx, [...at, 'outlierDetection'], source, [...from, 'outlierDetection'], od);
  }
  if (l.timeout) {
    const key = Object.keys(l.timeout).find((k) => (l.timeout as unknown as Record<string, unknown>)[k] !== undefined);
    out.timeout = traced(
      ctx,
      [...at, 'timeout'],
      source,
      [...from, 'timeout', key ?? 'http'],
      listenerTimeoutSpec(l.timeout),
    );
  }
  if (l.tls) ctx.report.inferred(source, [...from, 'tls'], listenerTlsNote(meshMtlsMode(ctx.inventory)));
  return out;
}

export function gatewayListenerSpec(
  l: VirtualGatewayListener,
  source: Source,
  from: readonly PathSegment[],
  at: readonly PathSegment[],
  ctx: MapContext,
): GatewayListenerSpec {
  ctx.trace.set(at, source, from);
  const out: GatewayListenerSpec = {
    port: traced(ctx, [...at, 'port'], source, [...from, 'portMapping', 'port'], l.portMapping?.port ?? 0),
    protocol: traced(
      ctx,
      [...at, 'protocol'],
      source,
      [...from, 'portMapping', 'protocol'],
      l.portMapping?.protocol ?? 'http',
    ),
  };
  if (l.healthCheck) {
    out.healthCheck = traced(
      ctx,
      [...at, 'healthCheck'],
      source,
      [...from, 'healthCheck'],
      healthCheckSpec(l.healthCheck as HealthCheckPolicy),
    );
  }
  if (l.connectionPool) {
    out.connectionPool = traced(
      ctx,
      [...at, 'connectionPool'],
      source,
      [...from, 'connectionPool'],
      connectionPoolSpec(l.connectionPool),
    );
  }
  if (l.tls) ctx.report.dropped(source, [...from, 'tls'], GATEWAY_TLS);
  return out;
}
