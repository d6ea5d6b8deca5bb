/** App Mesh's `VirtualRouterSpec`: the ports a routed virtual service is called on. */
import type { VirtualRouterListener, VirtualRouterSpec } from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { shape } from './shape';
import { portMapping } from './shared';

export const virtualRouterSpec = shape<VirtualRouterSpec>()({
  listeners: z.array(shape<VirtualRouterListener>()({ portMapping })).optional(),
});
