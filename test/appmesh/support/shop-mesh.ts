/**
 * The "shop" mesh, written from the App Mesh API reference and typed with the
 * `@aws-sdk/client-app-mesh` shapes, so it cannot drift from the real API. It covers every
 * resource kind and every field family the importer maps: listeners with health checks,
 * pools, outlier detection, timeouts and TLS; DNS and Cloud Map discovery; backends and
 * client policies; access logs; HTTP, HTTP/2, gRPC and TCP routes with every match kind,
 * priorities, weighted targets with ports, retries and timeouts; node and router providers;
 * a virtual gateway with hostname, path, header and query matches and rewrites.
 */
import type {
  ClientPolicy,
  GatewayRouteSpec,
  MeshSpec,
  RouteSpec,
  VirtualGatewaySpec,
  VirtualNodeSpec,
  VirtualRouterSpec,
  VirtualServiceSpec,
} from '@aws-sdk/client-app-mesh';

export const MESH = 'shop';

export interface ShopResource {
  readonly kind:
    | 'mesh'
    | 'virtualNode'
    | 'virtualService'
    | 'virtualRouter'
    | 'route'
    | 'virtualGateway'
    | 'gatewayRoute';
  readonly name: string;
  /** The router of a route, the gateway of a gateway route. */
  readonly parent?: string;
  readonly spec: object;
}

const tls = {
  mode: 'STRICT',
  certificate: { acm: { certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc' } },
} as const;

const clientTls: ClientPolicy = {
  tls: {
    enforce: true,
    validation: {
      trust: { acm: { certificateAuthorityArns: ['arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/ca'] } },
    },
  },
};

export const meshSpec: MeshSpec = {
  egressFilter: { type: 'DROP_ALL' },
  serviceDiscovery: { ipPreference: 'IPv4_PREFERRED' },
};

const catalogV1: VirtualNodeSpec = {
  listeners: [
    {
      portMapping: { port: 8080, protocol: 'http' },
      healthCheck: {
        protocol: 'http',
        path: '/health',
        intervalMillis: 5000,
        timeoutMillis: 2000,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      connectionPool: { http: { maxConnections: 50, maxPendingRequests: 10 } },
      outlierDetection: {
        maxServerErrors: 5,
        interval: { value: 10, unit: 's' },
        baseEjectionDuration: { value: 30, unit: 's' },
        maxEjectionPercent: 50,
      },
      timeout: { http: { perRequest: { value: 10, unit: 's' }, idle: { value: 60, unit: 's' } } },
      tls,
    },
  ],
  serviceDiscovery: {
    awsCloudMap: {
      namespaceName: 'shop.local',
      serviceName: 'catalog',
      attributes: [{ key: 'ECS_TASK_DEFINITION_FAMILY', value: 'catalog-v1' }],
    },
  },
  backends: [{ virtualService: { virtualServiceName: 'reviews.shop.local', clientPolicy: clientTls } }],
  backendDefaults: { clientPolicy: clientTls },
  logging: {
    accessLog: { file: { path: '/dev/stdout', format: { text: '%START_TIME% %REQ(:PATH)% %RESPONSE_CODE%\n' } } },
  },
};

const catalogV2: VirtualNodeSpec = {
  listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
  serviceDiscovery: {
    dns: { hostname: 'catalog-v2.shop.local', responseType: 'ENDPOINTS', ipPreference: 'IPv6_PREFERRED' },
  },
  logging: {
    accessLog: {
      file: {
        path: '/dev/stdout',
        format: {
          json: [
            { key: 'path', value: '%REQ(:PATH)%' },
            { key: 'code', value: '%RESPONSE_CODE%' },
          ],
        },
      },
    },
  },
};

const reviewsV1: VirtualNodeSpec = {
  listeners: [
    {
      portMapping: { port: 9090, protocol: 'http2' },
      connectionPool: { http2: { maxRequests: 100 } },
      timeout: { http2: { perRequest: { value: 4, unit: 's' } } },
    },
  ],
  serviceDiscovery: { awsCloudMap: { namespaceName: 'shop.local', serviceName: 'reviews' } },
};

const ratings: VirtualNodeSpec = {
  listeners: [
    {
      portMapping: { port: 50051, protocol: 'grpc' },
      connectionPool: { grpc: { maxRequests: 200 } },
      timeout: { grpc: { perRequest: { value: 3, unit: 's' }, idle: { value: 300, unit: 's' } } },
    },
  ],
  serviceDiscovery: { dns: { hostname: 'ratings.shop.local' } },
};

const ledger: VirtualNodeSpec = {
  listeners: [
    {
      portMapping: { port: 5432, protocol: 'tcp' },
      connectionPool: { tcp: { maxConnections: 20 } },
      timeout: { tcp: { idle: { value: 600, unit: 's' } } },
      healthCheck: {
        protocol: 'tcp',
        intervalMillis: 10000,
        timeoutMillis: 5000,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
      },
    },
  ],
  serviceDiscovery: { dns: { hostname: 'ledger.shop.local' } },
};

const frontend: VirtualNodeSpec = {
  listeners: [{ portMapping: { port: 3000, protocol: 'http' } }],
  serviceDiscovery: { dns: { hostname: 'frontend.shop.local' } },
  backends: [
    { virtualService: { virtualServiceName: 'catalog.shop.local' } },
    { virtualService: { virtualServiceName: 'reviews.shop.local' } },
    { virtualService: { virtualServiceName: 'ratings.shop.local' } },
    { virtualService: { virtualServiceName: 'ledger.shop.local' } },
    { virtualService: { virtualServiceName: 'legacy.shop.local' } },
  ],
};

const routerHttp: VirtualRouterSpec = { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] };

/** In file order the catch-all comes first; priorities put it last, as App Mesh did. */
const catalogRoutes: Record<string, RouteSpec> = {
  canary: {
    priority: 100,
    httpRoute: {
      match: { prefix: '/' },
      action: {
        weightedTargets: [
          { virtualNode: 'catalog-v1', weight: 50 },
          { virtualNode: 'catalog-v2', weight: 50 },
        ],
      },
    },
  },
  mobile: {
    priority: 10,
    httpRoute: {
      match: { prefix: '/', headers: [{ name: 'x-client', match: { prefix: 'android' } }] },
      action: { weightedTargets: [{ virtualNode: 'catalog-v2', weight: 1 }] },
    },
  },
  beta: {
    priority: 20,
    httpRoute: {
      match: {
        prefix: '/beta',
        method: 'GET',
        scheme: 'http',
        queryParameters: [{ name: 'preview' }],
        headers: [
          { name: 'x-version', match: { range: { start: 1, end: 3 } } },
          { name: 'x-debug', invert: true, match: { exact: 'off' } },
        ],
      },
      action: { weightedTargets: [{ virtualNode: 'catalog-v2', weight: 1, port: 8080 }] },
    },
  },
  'beta-plain': {
    priority: 21,
    httpRoute: {
      match: { prefix: '/beta' },
      action: { weightedTargets: [{ virtualNode: 'catalog-v2', weight: 1 }] },
    },
  },
  flaky: {
    priority: 30,
    httpRoute: {
      match: { prefix: '/flaky' },
      action: { weightedTargets: [{ virtualNode: 'catalog-v1', weight: 1 }] },
      retryPolicy: {
        maxRetries: 2,
        perRetryTimeout: { value: 800, unit: 'ms' },
        httpRetryEvents: ['server-error', 'gateway-error'],
        tcpRetryEvents: ['connection-error'],
      },
    },
  },
  slow: {
    priority: 40,
    httpRoute: {
      match: { path: { exact: '/slow' } },
      action: { weightedTargets: [{ virtualNode: 'catalog-v1', weight: 1 }] },
      retryPolicy: { maxRetries: 0, perRetryTimeout: { value: 500, unit: 'ms' } },
      timeout: { perRequest: { value: 700, unit: 'ms' }, idle: { value: 30, unit: 's' } },
    },
  },
  search: {
    priority: 50,
    httpRoute: {
      match: { path: { regex: '/search/[a-z]+' }, queryParameters: [{ name: 'q', match: { exact: 'shoes' } }] },
      action: { weightedTargets: [{ virtualNode: 'catalog-v1', weight: 1 }] },
    },
  },
};

const reviewsRoutes: Record<string, RouteSpec> = {
  reviews: {
    http2Route: {
      match: { prefix: '/', headers: [{ name: 'x-tenant', match: { suffix: '-eu' } }] },
      action: { weightedTargets: [{ virtualNode: 'reviews-v1', weight: 100, port: 9090 }] },
      timeout: { perRequest: { value: 2, unit: 's' } },
    },
  },
  'reviews-default': {
    http2Route: {
      match: { prefix: '/' },
      action: { weightedTargets: [{ virtualNode: 'reviews-v1', weight: 100 }] },
    },
  },
};

const ratingsRoutes: Record<string, RouteSpec> = {
  'get-rating': {
    priority: 1,
    grpcRoute: {
      match: {
        serviceName: 'ratings.v1.Ratings',
        methodName: 'Get',
        metadata: [{ name: 'x-tier', match: { regex: 'gold|silver' } }],
      },
      action: { weightedTargets: [{ virtualNode: 'ratings', weight: 1 }] },
      retryPolicy: {
        maxRetries: 3,
        perRetryTimeout: { value: 1, unit: 's' },
        grpcRetryEvents: ['unavailable', 'resource-exhausted'],
        httpRetryEvents: ['stream-error'],
      },
      timeout: { perRequest: { value: 5, unit: 's' } },
    },
  },
  'all-ratings': {
    priority: 2,
    grpcRoute: {
      match: { serviceName: 'ratings.v1.Ratings' },
      action: { weightedTargets: [{ virtualNode: 'ratings', weight: 1 }] },
    },
  },
};

const ledgerRoutes: Record<string, RouteSpec> = {
  ledger: {
    tcpRoute: {
      match: { port: 5432 },
      action: { weightedTargets: [{ virtualNode: 'ledger', weight: 1 }] },
      timeout: { idle: { value: 1, unit: 's' } },
    },
  },
};

const gateway: VirtualGatewaySpec = {
  listeners: [
    {
      portMapping: { port: 8000, protocol: 'http' },
      healthCheck: {
        protocol: 'http',
        path: '/ping',
        intervalMillis: 6000,
        timeoutMillis: 2000,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
      },
      connectionPool: { http: { maxConnections: 1000, maxPendingRequests: 500 } },
      tls,
    },
    { portMapping: { port: 8001, protocol: 'grpc' }, connectionPool: { grpc: { maxRequests: 1000 } } },
  ],
  backendDefaults: { clientPolicy: clientTls },
  logging: { accessLog: { file: { path: '/dev/stdout' } } },
};

const gatewayRoutes: Record<string, GatewayRouteSpec> = {
  store: {
    priority: 1,
    httpRoute: {
      match: { prefix: '/store/', hostname: { exact: 'shop.example.com' }, port: 8000 },
      action: {
        target: { virtualService: { virtualServiceName: 'catalog.shop.local' } },
        rewrite: { prefix: { value: '/catalog/' } },
      },
    },
  },
  api: {
    priority: 2,
    httpRoute: {
      match: {
        prefix: '/api',
        hostname: { suffix: 'example.net' },
        method: 'POST',
        headers: [{ name: 'x-api-key', match: { regex: '[0-9a-f]{8}' } }],
        queryParameters: [{ name: 'format', match: { exact: 'json' } }],
        port: 8000,
      },
      action: {
        target: { virtualService: { virtualServiceName: 'catalog.shop.local' }, port: 8080 },
        rewrite: { prefix: { defaultPrefix: 'DISABLED' }, hostname: { defaultTargetHostname: 'DISABLED' } },
      },
    },
  },
  'old-home': {
    priority: 3,
    httpRoute: {
      match: { path: { exact: '/old' }, port: 8000 },
      action: {
        target: { virtualService: { virtualServiceName: 'frontend.shop.local' } },
        rewrite: { path: { exact: '/new' } },
      },
    },
  },
  web: {
    priority: 100,
    httpRoute: {
      match: { prefix: '/', port: 8000 },
      action: { target: { virtualService: { virtualServiceName: 'frontend.shop.local' } } },
    },
  },
  'ratings-grpc': {
    grpcRoute: {
      match: {
        serviceName: 'ratings.v1.Ratings',
        port: 8001,
        metadata: [{ name: 'x-region', match: { exact: 'eu' } }],
      },
      action: { target: { virtualService: { virtualServiceName: 'ratings.shop.local' } } },
    },
  },
};

const provider = (router: string): VirtualServiceSpec => ({
  provider: { virtualRouter: { virtualRouterName: router } },
});

export const SHOP: readonly ShopResource[] = [
  { kind: 'mesh', name: MESH, spec: meshSpec },
  { kind: 'virtualNode', name: 'catalog-v1', spec: catalogV1 },
  { kind: 'virtualNode', name: 'catalog-v2', spec: catalogV2 },
  { kind: 'virtualNode', name: 'reviews-v1', spec: reviewsV1 },
  { kind: 'virtualNode', name: 'ratings', spec: ratings },
  { kind: 'virtualNode', name: 'ledger', spec: ledger },
  { kind: 'virtualNode', name: 'frontend', spec: frontend },
  { kind: 'virtualRouter', name: 'catalog-router', spec: routerHttp },
  {
    kind: 'virtualRouter',
    name: 'reviews-router',
    spec: { listeners: [{ portMapping: { port: 9090, protocol: 'http2' } }] },
  },
  {
    kind: 'virtualRouter',
    name: 'ratings-router',
    spec: { listeners: [{ portMapping: { port: 50051, protocol: 'grpc' } }] },
  },
  {
    kind: 'virtualRouter',
    name: 'ledger-router',
    spec: { listeners: [{ portMapping: { port: 5432, protocol: 'tcp' } }] },
  },
  ...Object.entries(catalogRoutes).map(([name, spec]) => ({
    kind: 'route' as const,
    name,
    parent: 'catalog-router',
    spec,
  })),
  ...Object.entries(reviewsRoutes).map(([name, spec]) => ({
    kind: 'route' as const,
    name,
    parent: 'reviews-router',
    spec,
  })),
  ...Object.entries(ratingsRoutes).map(([name, spec]) => ({
    kind: 'route' as const,
    name,
    parent: 'ratings-router',
    spec,
  })),
  ...Object.entries(ledgerRoutes).map(([name, spec]) => ({
    kind: 'route' as const,
    name,
    parent: 'ledger-router',
    spec,
  })),
  { kind: 'virtualService', name: 'catalog.shop.local', spec: provider('catalog-router') },
  { kind: 'virtualService', name: 'reviews.shop.local', spec: provider('reviews-router') },
  { kind: 'virtualService', name: 'ratings.shop.local', spec: provider('ratings-router') },
  { kind: 'virtualService', name: 'ledger.shop.local', spec: provider('ledger-router') },
  // A node provider whose node is a version of catalog: an alias routing to it.
  {
    kind: 'virtualService',
    name: 'legacy.shop.local',
    spec: { provider: { virtualNode: { virtualNodeName: 'catalog-v1' } } },
  },
  // A node provider: a service with one version.
  {
    kind: 'virtualService',
    name: 'frontend.shop.local',
    spec: { provider: { virtualNode: { virtualNodeName: 'frontend' } } },
  },
  { kind: 'virtualGateway', name: 'ingress', spec: gateway },
  ...Object.entries(gatewayRoutes).map(([name, spec]) => ({
    kind: 'gatewayRoute' as const,
    name,
    parent: 'ingress',
    spec,
  })),
];
