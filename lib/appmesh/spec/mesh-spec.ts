/** App Mesh's `MeshSpec`: the egress filter and the mesh-wide IP preference. */
import type { EgressFilter, MeshServiceDiscovery, MeshSpec } from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { shape } from './shape';
import { ipPreference } from './shared';

export const meshSpec = shape<MeshSpec>()({
  egressFilter: shape<EgressFilter>()({ type: z.enum(['ALLOW_ALL', 'DROP_ALL']) }).optional(),
  serviceDiscovery: shape<MeshServiceDiscovery>()({ ipPreference: ipPreference.optional() }).optional(),
});
