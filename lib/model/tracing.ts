/**
 * Distributed tracing (App Mesh's `ENABLE_ENVOY_XRAY_TRACING`): every proxy reports a segment
 * per request to the X-Ray daemon and passes `X-Amzn-Trace-Id` on, so a request is one trace
 * across the mesh.
 */
import { z } from 'zod';
import { port } from './primitives';

export const tracing = z.strictObject({
  xray: z.strictObject({
    /** The X-Ray daemon's UDP address. @default the ECS task's daemon sidecar, 127.0.0.1:2000 */
    daemon: z.strictObject({ address: z.string().min(1), port }).optional(),
  }),
});
export type Tracing = z.infer<typeof tracing>;
