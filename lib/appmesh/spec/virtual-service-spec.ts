/** App Mesh's `VirtualServiceSpec`: the virtual node or virtual router that provides the service. */
import type {
  VirtualNodeServiceProvider,
  VirtualRouterServiceProvider,
  VirtualServiceProvider,
  VirtualServiceSpec,
} from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import { oneOf, shape, text } from './shape';

const provider: z.ZodType<VirtualServiceProvider> = oneOf({
  virtualNode: shape<VirtualNodeServiceProvider>()({ virtualNodeName: text }),
  virtualRouter: shape<VirtualRouterServiceProvider>()({ virtualRouterName: text }),
});

export const virtualServiceSpec = shape<VirtualServiceSpec>()({ provider: provider.optional() });
