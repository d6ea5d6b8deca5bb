/** App Mesh's `RouteSpec`: an HTTP, HTTP/2, gRPC or TCP route of a virtual router. */
import type {
  GrpcRetryPolicy,
  GrpcRoute,
  GrpcRouteAction,
  GrpcRouteMatch,
  GrpcRouteMetadata,
  HttpRetryPolicy,
  HttpRoute,
  HttpRouteAction,
  HttpRouteMatch,
  RouteSpec,
  TcpRoute,
  TcpRouteAction,
  TcpRouteMatch,
  WeightedTarget,
} from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { bool, int, port, shape, text } from './shape';
import {
  duration,
  grpcTimeout,
  httpMethod,
  httpPathMatch,
  httpQueryParameter,
  httpRouteHeader,
  httpTimeout,
  metadataMatchMethod,
  tcpTimeout,
} from './shared';

const weightedTarget = shape<WeightedTarget>()({
  virtualNode: text,
  weight: int({ min: 0, max: 100 }),
  port: port.optional(),
});
const weightedTargets = z.array(weightedTarget).min(1).max(10);

const httpRetryEvent = z.enum(['server-error', 'gateway-error', 'client-error', 'stream-error']);
const tcpRetryEvent = z.enum(['connection-error']);

const httpRetryPolicy = shape<HttpRetryPolicy>()({
  perRetryTimeout: duration,
  maxRetries: int({ min: 0 }),
  httpRetryEvents: z.array(httpRetryEvent).optional(),
  tcpRetryEvents: z.array(tcpRetryEvent).optional(),
});

const httpRoute = shape<HttpRoute>()({
  match: shape<HttpRouteMatch>()({
    prefix: z.string().optional(),
    path: httpPathMatch.optional(),
    queryParameters: z.array(httpQueryParameter).optional(),
    method: httpMethod.optional(),
    scheme: z.enum(['http', 'https']).optional(),
    headers: z.array(httpRouteHeader).optional(),
    port: port.optional(),
  }),
  action: shape<HttpRouteAction>()({ weightedTargets }),
  retryPolicy: httpRetryPolicy.optional(),
  timeout: httpTimeout.optional(),
});

const grpcRoute = shape<GrpcRoute>()({
  action: shape<GrpcRouteAction>()({ weightedTargets }),
  match: shape<GrpcRouteMatch>()({
    serviceName: text.optional(),
    methodName: text.optional(),
    metadata: z
      .array(shape<GrpcRouteMetadata>()({ name: text, invert: bool.optional(), match: metadataMatchMethod.optional() }))
      .optional(),
    port: port.optional(),
  }),
  retryPolicy: shape<GrpcRetryPolicy>()({
    perRetryTimeout: duration,
    maxRetries: int({ min: 0 }),
    httpRetryEvents: z.array(httpRetryEvent).optional(),
    tcpRetryEvents: z.array(tcpRetryEvent).optional(),
    grpcRetryEvents: z
      .array(z.enum(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']))
      .optional(),
  }).optional(),
  timeout: grpcTimeout.optional(),
});

const tcpRoute = shape<TcpRoute>()({
  action: shape<TcpRouteAction>()({ weightedTargets }),
  timeout: tcpTimeout.optional(),
  match: shape<TcpRouteMatch>()({ port: port.optional() }).optional(),
});

export const routeSpec = shape<RouteSpec>()({
  priority: int({ min: 0, max: 1000 }).optional(),
  httpRoute: httpRoute.optional(),
  tcpRoute: tcpRoute.optional(),
  http2Route: httpRoute.optional(),
  grpcRoute: grpcRoute.optional(),
});
