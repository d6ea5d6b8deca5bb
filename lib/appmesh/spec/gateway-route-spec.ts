/** App Mesh's `GatewayRouteSpec`: how a virtual gateway picks a virtual service, and what it rewrites. */
import type {
  GatewayRouteHostnameMatch,
  GatewayRouteHostnameRewrite,
  GatewayRouteSpec,
  GatewayRouteTarget,
  GatewayRouteVirtualService,
  GrpcGatewayRoute,
  GrpcGatewayRouteAction,
  GrpcGatewayRouteMatch,
  GrpcGatewayRouteMetadata,
  GrpcGatewayRouteRewrite,
  HttpGatewayRoute,
  HttpGatewayRouteAction,
  HttpGatewayRouteHeader,
  HttpGatewayRouteMatch,
  HttpGatewayRoutePathRewrite,
  HttpGatewayRoutePrefixRewrite,
  HttpGatewayRouteRewrite,
} from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { bool, int, port, shape, text } from './shape';
import { headerMatchMethod, httpMethod, httpPathMatch, httpQueryParameter, metadataMatchMethod } from './shared';

const enabled = z.enum(['ENABLED', 'DISABLED']);

const target = shape<GatewayRouteTarget>()({
  virtualService: shape<GatewayRouteVirtualService>()({ virtualServiceName: text }),
  port: port.optional(),
});

const hostname = shape<GatewayRouteHostnameMatch>()({ exact: text.optional(), suffix: text.optional() });
const hostnameRewrite = shape<GatewayRouteHostnameRewrite>()({ defaultTargetHostname: enabled.optional() });

const httpGatewayRoute = shape<HttpGatewayRoute>()({
  match: shape<HttpGatewayRouteMatch>()({
    prefix: z.string().optional(),
    path: httpPathMatch.optional(),
    queryParameters: z.array(httpQueryParameter).optional(),
    method: httpMethod.optional(),
    hostname: hostname.optional(),
    headers: z
      .array(
        shape<HttpGatewayRouteHeader>()({ name: text, invert: bool.optional(), match: headerMatchMethod.optional() }),
      )
      .optional(),
    port: port.optional(),
  }),
  action: shape<HttpGatewayRouteAction>()({
    target,
    rewrite: shape<HttpGatewayRouteRewrite>()({
      prefix: shape<HttpGatewayRoutePrefixRewrite>()({
        defaultPrefix: enabled.optional(),
        value: z.string().optional(),
      }).optional(),
      path: shape<HttpGatewayRoutePathRewrite>()({ exact: z.string().optional() }).optional(),
      hostname: hostnameRewrite.optional(),
    }).optional(),
  }),
});

const grpcGatewayRoute = shape<GrpcGatewayRoute>()({
  match: shape<GrpcGatewayRouteMatch>()({
    serviceName: text.optional(),
    hostname: hostname.optional(),
    metadata: z
      .array(
        shape<GrpcGatewayRouteMetadata>()({
          name: text,
          invert: bool.optional(),
          match: metadataMatchMethod.optional(),
        }),
      )
      .optional(),
    port: port.optional(),
  }),
  action: shape<GrpcGatewayRouteAction>()({
    target,
    rewrite: shape<GrpcGatewayRouteRewrite>()({ hostname: hostnameRewrite.optional() }).optional(),
  }),
});

export const gatewayRouteSpec = shape<GatewayRouteSpec>()({
  priority: int({ min: 0, max: 1000 }).optional(),
  httpRoute: httpGatewayRoute.optional(),
  http2Route: httpGatewayRoute.optional(),
  grpcRoute: grpcGatewayRoute.optional(),
});
