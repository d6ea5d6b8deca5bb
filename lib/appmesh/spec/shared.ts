/**
 * Shapes several App Mesh resources share: durations, matches, port mappings, health checks,
 * access logs and tags.
 */
import type {
  AccessLog,
  Duration,
  GrpcRouteMetadataMatchMethod,
  GrpcTimeout,
  HeaderMatchMethod,
  HealthCheckPolicy,
  HttpPathMatch,
  HttpQueryParameter,
  HttpRouteHeader,
  HttpTimeout,
  JsonFormatRef,
  LoggingFormat,
  MatchRange,
  PortMapping,
  QueryParameterMatch,
  TagRef,
  TcpTimeout,
  VirtualGatewayHealthCheckPolicy,
} from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { bool, gatewayPortProtocol, int, oneOf, port, portProtocol, shape, text } from './shape';

export const duration = shape<Duration>()({ value: int({ min: 0 }), unit: z.enum(['ms', 's']) });

export const httpTimeout = shape<HttpTimeout>()({ perRequest: duration.optional(), idle: duration.optional() });
export const grpcTimeout = shape<GrpcTimeout>()({ perRequest: duration.optional(), idle: duration.optional() });
export const tcpTimeout = shape<TcpTimeout>()({ idle: duration.optional() });

export const ipPreference = z.enum(['IPv4_ONLY', 'IPv6_ONLY', 'IPv4_PREFERRED', 'IPv6_PREFERRED']);

export const matchRange = shape<MatchRange>()({ start: int(), end: int() });

const headerMatchMembers = {
  exact: z.string(),
  prefix: text,
  suffix: text,
  regex: text,
  range: matchRange,
};
export const headerMatchMethod: z.ZodType<HeaderMatchMethod> = oneOf(headerMatchMembers);
export const metadataMatchMethod: z.ZodType<GrpcRouteMetadataMatchMethod> = oneOf(headerMatchMembers);

export const httpRouteHeader = shape<HttpRouteHeader>()({
  name: text,
  invert: bool.optional(),
  match: headerMatchMethod.optional(),
});

export const httpPathMatch = shape<HttpPathMatch>()({ exact: text.optional(), regex: text.optional() });

export const httpQueryParameter = shape<HttpQueryParameter>()({
  name: text,
  match: shape<QueryParameterMatch>()({ exact: z.string().optional() }).optional(),
});

export const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

export const portMapping = shape<PortMapping>()({ port, protocol: portProtocol });

export const healthCheckPolicy = shape<HealthCheckPolicy>()({
  timeoutMillis: int({ min: 0 }),
  intervalMillis: int({ min: 0 }),
  protocol: portProtocol,
  port: port.optional(),
  path: z.string().optional(),
  healthyThreshold: int({ min: 0 }),
  unhealthyThreshold: int({ min: 0 }),
});

export const virtualGatewayHealthCheckPolicy = shape<VirtualGatewayHealthCheckPolicy>()({
  timeoutMillis: int({ min: 0 }),
  intervalMillis: int({ min: 0 }),
  protocol: gatewayPortProtocol,
  port: port.optional(),
  path: z.string().optional(),
  healthyThreshold: int({ min: 0 }),
  unhealthyThreshold: int({ min: 0 }),
});

const loggingFormat: z.ZodType<LoggingFormat> = oneOf({
  text: text,
  json: z.array(shape<JsonFormatRef>()({ key: text, value: z.string() })).min(1),
});

/** The same shape serves virtual nodes (`AccessLog`) and virtual gateways (`VirtualGatewayAccessLog`). */
export const accessLog: z.ZodType<AccessLog> = oneOf({
  file: z.strictObject({ path: text, format: loggingFormat.optional() }),
});

export const tags = z.array(shape<TagRef>()({ key: text, value: z.string() }));
