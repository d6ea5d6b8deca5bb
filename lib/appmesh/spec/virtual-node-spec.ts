/** App Mesh's `VirtualNodeSpec`: listeners, service discovery, backends and logging. */
import type {
  AwsCloudMapInstanceAttribute,
  AwsCloudMapServiceDiscovery,
  Backend,
  BackendDefaults,
  DnsServiceDiscovery,
  Listener,
  ListenerTimeout,
  Logging,
  OutlierDetection,
  ServiceDiscovery,
  VirtualNodeConnectionPool,
  VirtualNodeGrpcConnectionPool,
  VirtualNodeHttp2ConnectionPool,
  VirtualNodeHttpConnectionPool,
  VirtualNodeSpec,
  VirtualNodeTcpConnectionPool,
  VirtualServiceBackend,
} from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { int, oneOf, shape, text } from './shape';
import {
  accessLog,
  duration,
  grpcTimeout,
  healthCheckPolicy,
  httpTimeout,
  ipPreference,
  portMapping,
  tcpTimeout,
} from './shared';
import { clientPolicy, listenerTls } from './tls';

const listenerTimeout: z.ZodType<ListenerTimeout> = oneOf({
  http: httpTimeout,
  http2: httpTimeout,
  grpc: grpcTimeout,
  tcp: tcpTimeout,
});

const outlierDetection = shape<OutlierDetection>()({
  maxServerErrors: int({ min: 1 }),
  interval: duration,
  baseEjectionDuration: duration,
  maxEjectionPercent: int({ min: 0, max: 100 }),
});

const connectionPool: z.ZodType<VirtualNodeConnectionPool> = oneOf({
  http: shape<VirtualNodeHttpConnectionPool>()({
    maxConnections: int({ min: 1 }),
    maxPendingRequests: int({ min: 1 }).optional(),
  }),
  http2: shape<VirtualNodeHttp2ConnectionPool>()({ maxRequests: int({ min: 1 }) }),
  grpc: shape<VirtualNodeGrpcConnectionPool>()({ maxRequests: int({ min: 1 }) }),
  tcp: shape<VirtualNodeTcpConnectionPool>()({ maxConnections: int({ min: 1 }) }),
});

const listener = shape<Listener>()({
  portMapping,
  tls: listenerTls.optional(),
  healthCheck: healthCheckPolicy.optional(),
  timeout: listenerTimeout.optional(),
  outlierDetection: outlierDetection.optional(),
  connectionPool: connectionPool.optional(),
});

const serviceDiscovery: z.ZodType<ServiceDiscovery> = oneOf({
  dns: shape<DnsServiceDiscovery>()({
    hostname: text,
    responseType: z.enum(['LOADBALANCER', 'ENDPOINTS']).optional(),
    ipPreference: ipPreference.optional(),
  }),
  awsCloudMap: shape<AwsCloudMapServiceDiscovery>()({
    namespaceName: text,
    serviceName: text,
    attributes: z.array(shape<AwsCloudMapInstanceAttribute>()({ key: text, value: z.string() })).optional(),
    ipPreference: ipPreference.optional(),
  }),
});

const backend: z.ZodType<Backend> = oneOf({
  virtualService: shape<VirtualServiceBackend>()({ virtualServiceName: text, clientPolicy: clientPolicy.optional() }),
});

export const virtualNodeSpec = shape<VirtualNodeSpec>()({
  serviceDiscovery: serviceDiscovery.optional(),
  listeners: z.array(listener).optional(),
  backends: z.array(backend).optional(),
  backendDefaults: shape<BackendDefaults>()({ clientPolicy: clientPolicy.optional() }).optional(),
  logging: shape<Logging>()({ accessLog: accessLog.optional() }).optional(),
});
