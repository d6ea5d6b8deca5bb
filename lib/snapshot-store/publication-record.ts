/**
 * The publication record: what the last publication held, in one small object. The deletion
 * guard compares the next publication against it, and a repeat that would write the same
 * record writes nothing.
 */
import { z } from 'zod';

export const publicationRecord = z.strictObject({
  /** Content hash of the mesh definition that was compiled. */
  definition: z.string(),
  /** Proxy name → snapshot version. */
  proxies: z.record(z.string(), z.string()),
  /** `<service>/<version>` → number of endpoints discovered (any health). */
  endpoints: z.record(z.string(), z.number().int().min(0)),
  publishedAt: z.string(),
});
export type PublicationRecord = z.infer<typeof publicationRecord>;
