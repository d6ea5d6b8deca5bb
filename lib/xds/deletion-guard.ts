/**
 * The guard against an update that deletes most of the mesh: a registry that answers with no
 * instances, a truncated mesh file or a bad merge should not empty every proxy at once
 * (RELIABILITY.md E.30). Counted mesh-wide over distinct names, so one cluster that every
 * caller shares counts once.
 */
import { RESOURCE_TYPES, resourceName, type Snapshot } from '../compiler/snapshot';

export interface DeletionGuardOptions {
  /** Refuse an update that removes more than this fraction of the mesh. @default 0.5 */
  readonly maxDeletedFraction?: number;
  /** Meshes (and kinds of resource) smaller than this are not guarded: too little to judge. @default 10 */
  readonly minResources?: number;
}

type Inventory = Map<string, Set<string>>;

function inventory(snapshots: Readonly<Record<string, Snapshot>>): Inventory {
  const out: Inventory = new Map([['proxies', new Set(Object.keys(snapshots))]]);
  for (const type of RESOURCE_TYPES) out.set(type, new Set());
  out.set('endpoint addresses', new Set());
  for (const snapshot of Object.values(snapshots)) {
    for (const type of RESOURCE_TYPES) {
      for (const r of snapshot.resources[type]) out.get(type)!.add(resourceName(r));
    }
    for (const cla of snapshot.resources.endpoints) {
      const name = resourceName(cla);
      for (const address of lbAddresses(cla)) out.get('endpoint addresses')!.add(`${name} ${address}`);
    }
  }
  return out;
}

function lbAddresses(cla: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const locality of (cla.endpoints ?? []) as { lb_endpoints?: unknown[] }[]) {
    for (const lb of (locality.lb_endpoints ?? []) as {
      endpoint?: { address?: { socket_address?: Record<string, unknown> } };
    }[]) {
      const a = lb.endpoint?.address?.socket_address;
      if (a) out.push(`${a.address}:${a.port_value}`);
    }
  }
  return out;
}

/**
 * Why `next` may not replace `previous`, or undefined when it may. The reason names what
 * would disappear, so the person reading it can tell a mistake from an intended teardown.
 */
export function massDeletion(
  previous: Readonly<Record<string, Snapshot>>,
  next: Readonly<Record<string, Snapshot>>,
  options: DeletionGuardOptions = {},
): string | undefined {
  const maxFraction = options.maxDeletedFraction ?? 0.5;
  const minResources = options.minResources ?? 10;
  const before = inventory(previous);
  const after = inventory(next);
  let total = 0;
  let removed = 0;
  let kindTooMuch = false;
  const parts: string[] = [];
  for (const [kind, names] of before) {
    total += names.size;
    const gone = [...names].filter((n) => !after.get(kind)!.has(n));
    removed += gone.length;
    if (gone.length) parts.push(`${gone.length} of ${names.size} ${kind}`);
    // Per kind too: every endpoint vanishing (a registry answering with nothing) hides in the total.
    if (names.size >= minResources && gone.length > names.size * maxFraction) kindTooMuch = true;
  }
  if (!kindTooMuch && (total < minResources || removed <= total * maxFraction)) return undefined;
  const pct = Math.round((removed / total) * 100);
  return (
    `the update removes ${removed} of ${total} resources of the mesh (${pct}%: ${parts.join(', ')}), ` +
    `more than the ${Math.round(maxFraction * 100)}% allowed at once; the last good config keeps serving`
  );
}
