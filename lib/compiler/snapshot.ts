/**
 * A snapshot: the complete Envoy v3 configuration of one proxy, as JSON-mapped resources
 * each carrying `@type`, with a content-hash version. Snapshots are checked for internal
 * consistency before anyone may publish them (go-control-plane's rule).
 */
import { createHash } from 'node:crypto';

/** A JSON-mapped Envoy v3 message (proto3 JSON, snake_case field names). */
export type EnvoyResource = { readonly '@type': string; readonly name?: string; readonly [field: string]: unknown };

export const RESOURCE_TYPES = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export { RESOURCE_TYPE_URLS as TYPE_URLS } from '../envoy/type-urls';

export interface Snapshot {
  readonly version: string;
  readonly resources: Readonly<Record<ResourceType, readonly EnvoyResource[]>>;
}

/** The name xDS addresses a resource by (a ClusterLoadAssignment's is its cluster_name). */
export function resourceName(r: EnvoyResource): string {
  return (r.name ?? (r as { cluster_name?: string }).cluster_name) as string;
}

/**
 * JSON with object keys sorted, so equal content hashes equally whatever built it. Used
 * where content comes from outside; the compiler builds every object in a fixed key
 * order, so its resources hash their plain JSON.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

// Resources are immutable once built and shared between snapshots (a cluster appears in
// every caller's snapshot), so each one is hashed once.
const resourceHashes = new WeakMap<object, string>();

export function resourceHash(r: EnvoyResource): string {
  let h = resourceHashes.get(r);
  if (h === undefined) {
    h = createHash('sha256').update(JSON.stringify(r)).digest('hex').slice(0, 16);
    resourceHashes.set(r, h);
  }
  return h;
}

/** The version of one resource type's set: the xDS `version_info` for that type. */
export function typeVersion(resources: readonly EnvoyResource[]): string {
  return createHash('sha256').update(resources.map(resourceHash).join(',')).digest('hex').slice(0, 16);
}

export function makeSnapshot(resources: Record<ResourceType, EnvoyResource[]>): Snapshot {
  const sorted = Object.fromEntries(
    RESOURCE_TYPES.map((t) => [t, [...resources[t]].sort((a, b) => cmp(resourceName(a), resourceName(b)))]),
  ) as Record<ResourceType, EnvoyResource[]>;
  const version = createHash('sha256')
    .update(RESOURCE_TYPES.map((t) => typeVersion(sorted[t])).join(','))
    .digest('hex')
    .slice(0, 16);
  return { version, resources: sorted };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
