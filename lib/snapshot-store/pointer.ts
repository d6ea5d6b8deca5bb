/**
 * The pointer: a small object that names a proxy's current snapshot. Proxies poll it (a
 * conditional GET that costs nothing when unchanged) and then fetch the immutable snapshot it
 * names. `sequence` only grows, so a proxy can refuse to go back to an older publication.
 */
import { z } from 'zod';

const published = z.strictObject({
  /** The snapshot's content-hash version. */
  version: z.string().min(1),
  /** Key of the snapshot object, relative to the store's root. */
  key: z.string().min(1),
  /** ISO 8601 time the version was published. */
  publishedAt: z.string().min(1),
});

export const snapshotPointer = published.extend({
  proxy: z.string().min(1),
  /** 1 for the first publication, one more for each after it. */
  sequence: z.number().int().min(1),
  /** The version this one replaced: the last good config to fall back to. */
  previous: published.optional(),
});
export type SnapshotPointer = z.infer<typeof snapshotPointer>;

/** Parses a pointer's bytes; throws an Error naming `where` and the first bad field. */
export function parsePointer(text: string, where: string): SnapshotPointer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON: ${(e as Error).message}`);
  }
  const result = snapshotPointer.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}
