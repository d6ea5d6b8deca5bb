/** App Mesh's `VirtualGatewaySpec`: an ingress proxy's listeners, backend defaults and logging. */
import type {
  VirtualGatewayBackendDefaults,
  VirtualGatewayConnectionPool,
  VirtualGatewayGrpcConnectionPool,
  VirtualGatewayHttp2ConnectionPool,
  VirtualGatewayHttpConnectionPool,
  VirtualGatewayListener,
  VirtualGatewayLogging,
  VirtualGatewayPortMapping,
  VirtualGatewaySpec,
} from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { gatewayPortProtocol, int, oneOf, port, shape } from './shape';
import { accessLog, virtualGatewayHealthCheckPolicy } from './shared';
import { clientPolicy, listenerTls } from './tls';

const connectionPool: z.ZodType<VirtualGatewayConnectionPool> = oneOf({
  http: shape<VirtualGatewayHttpConnectionPool>()({
    maxConnections: int({ min: 1 }),
    maxPendingRequests: int({ min: 1 }).optional(),
  }),
  http2: shape<VirtualGatewayHttp2ConnectionPool>()({ maxRequests: int({ min: 1 }) }),
  grpc: shape<VirtualGatewayGrpcConnectionPool>()({ maxRequests: int({ min: 1 }) }),
});

const listener = shape<VirtualGatewayListener>()({
  healthCheck: virtualGatewayHealthCheckPolicy.optional(),
  portMapping: shape<VirtualGatewayPortMapping>()({ port, protocol: gatewayPortProtocol }),
  tls: listenerTls.optional(),
  connectionPool: connectionPool.optional(),
});

export const virtualGatewaySpec = shape<VirtualGatewaySpec>()({
  backendDefaults: shape<VirtualGatewayBackendDefaults>()({ clientPolicy: clientPolicy.optional() }).optional(),
  listeners: z.array(listener).min(1),
  logging: shape<VirtualGatewayLogging>()({ accessLog: accessLog.optional() }).optional(),
});
