/**
 * What a snapshot holds for one xDS type: all of it (a wildcard subscription) or the named
 * resources, with the version of exactly that set, so a change to a resource a node does not
 * watch sends it nothing.
 */

import { contentHash, type EnvoyResource, resourceName, type Snapshot, typeVersion } from '../compiler/snapshot';
import { resourceKindOf } from '../envoy/type-urls';

/** `*` is a wildcard subscription (every resource of the type). */
export type Subscription = '*' | ReadonlySet<string>;

/** Types whose empty subscription means "everything" (xDS's wildcard rule). */
export function isWildcardType(typeUrl: string): boolean {
  const kind = resourceKindOf(typeUrl);
  return kind === 'listeners' || kind === 'clusters';
}

export function subscriptionOf(typeUrl: string, names: readonly string[] | undefined): Subscription {
  const list = names ?? [];
  if (list.includes('*') || (list.length === 0 && isWildcardType(typeUrl))) return '*';
  return new Set(list);
}

export function sameSubscription(a: Subscription | undefined, b: Subscription): boolean {
  if (a === undefined) return false;
  if (a === '*' || b === '*') return a === b;
  return a.size === b.size && [...a].every((n) => b.has(n));
}

export function describeSubscription(s: Subscription): readonly string[] | '*' {
  return s === '*' ? '*' : [...s].sort();
}

const byName = new WeakMap<readonly EnvoyResource[], Map<string, EnvoyResource>>();

/** Every resource of the type, by name. */
export function resourceMap(snapshot: Snapshot, typeUrl: string): ReadonlyMap<string, EnvoyResource> {
  const kind = resourceKindOf(typeUrl);
  const list = kind ? snapshot.resources[kind] : [];
  let map = byName.get(list);
  if (!map) byName.set(list, (map = new Map(list.map((r) => [resourceName(r), r]))));
  return map;
}

const resourceVersions = new WeakMap<EnvoyResource, string>();

/** A resource's own version (delta xDS tracks them one by one). */
export function resourceVersion(r: EnvoyResource): string {
  let v = resourceVersions.get(r);
  if (!v) resourceVersions.set(r, (v = contentHash(r)));
  return v;
}

const typeVersions = new WeakMap<readonly EnvoyResource[], string>();

/** The resources a subscription selects from a snapshot, and the version of that set. */
export function selectResources(
  snapshot: Snapshot,
  typeUrl: string,
  subscription: Subscription,
): { resources: EnvoyResource[]; version: string } {
  const kind = resourceKindOf(typeUrl);
  const all = kind ? snapshot.resources[kind] : [];
  if (subscription === '*') {
    let version = typeVersions.get(all);
    if (!version) typeVersions.set(all, (version = typeVersion(all)));
    return { resources: [...all], version };
  }
  const map = resourceMap(snapshot, typeUrl);
  const resources = [...subscription]
    .sort()
    .map((n) => map.get(n))
    .filter((r): r is EnvoyResource => r !== undefined);
  return { resources, version: contentHash(resources.map(resourceVersion)) };
}
