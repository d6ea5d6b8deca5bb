/**
 * The guard against an update that deletes most of the mesh (RELIABILITY.md E.30), applied to
 * the xDS cache: the same rule the AWS publisher applies (lib/snapshot-store's
 * `checkDeletion`), fed from snapshots. Proxies are the cache's keys; "service versions with
 * endpoints" are the load assignments, one per version listener.
 */
import { resourceName, type Snapshot } from '../compiler/snapshot';
import { checkDeletion, type DeletionGuardOptions } from '../snapshot-store/deletion-guard';

export type { DeletionGuardOptions };

function endpointCounts(snapshots: Readonly<Record<string, Snapshot>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of Object.values(snapshots)) {
    for (const cla of s.resources.endpoints) {
      let n = 0;
      for (const locality of (cla.endpoints ?? []) as { lb_endpoints?: unknown[] }[])
        n += locality.lb_endpoints?.length ?? 0;
      out[resourceName(cla)] = n;
    }
  }
  return out;
}

/** Why `next` may not replace `previous`, or undefined when it may. */
export function massDeletion(
  previous: Readonly<Record<string, Snapshot>>,
  next: Readonly<Record<string, Snapshot>>,
  options: DeletionGuardOptions = {},
): string | undefined {
  if (Object.keys(previous).length === 0) return undefined;
  const record = {
    definition: '',
    publishedAt: '',
    proxies: Object.fromEntries(Object.entries(previous).map(([k, s]) => [k, s.version])),
    endpoints: endpointCounts(previous),
  };
  const why = checkDeletion(record, { proxies: Object.keys(next), endpoints: endpointCounts(next) }, options);
  // The publisher's hint names its CDK prop; here the caller decides how to force an update.
  return why?.replace(/; deploy with allowDestructiveUpdates if that is intended$/, '');
}
