/**
 * The guard against a publication that deletes most of the mesh. Two failures look like
 * that: a mesh definition that lost most of its services (a bad merge, the wrong file), and a
 * discovery outage where every service suddenly has no endpoints. Publishing either would take
 * the whole mesh down; refusing keeps every proxy on its last good config until a person looks.
 */
import type { PublicationRecord } from './publication-record';

export interface DeletionGuardOptions {
  /**
   * Largest share of the published proxies one publication may remove.
   * @default 0.5
   */
  readonly maxProxyLoss?: number;
  /**
   * Largest share of the service versions that had endpoints which may lose all of them at once.
   * @default 0.5
   */
  readonly maxEndpointLoss?: number;
  /** Skip the proxy check: a deploy that means to remove services. @default false */
  readonly allowProxyLoss?: boolean;
}

export interface NextPublication {
  readonly proxies: readonly string[];
  readonly endpoints: Readonly<Record<string, number>>;
}

/** Below this many, one removal is already a large share: small meshes change freely. */
const MIN_POPULATION = 3;

/** Why the publication must not happen, or `undefined` when it may. */
export function checkDeletion(
  previous: PublicationRecord | undefined,
  next: NextPublication,
  o: DeletionGuardOptions = {},
): string | undefined {
  if (!previous) return undefined;
  const before = Object.keys(previous.proxies);
  const kept = new Set(next.proxies);
  const lost = before.filter((p) => !kept.has(p));
  const maxProxyLoss = o.maxProxyLoss ?? 0.5;
  if (!o.allowProxyLoss && before.length >= MIN_POPULATION && lost.length > maxProxyLoss * before.length) {
    return (
      `the update removes ${lost.length} of ${before.length} proxies (${lost.join(', ')}), ` +
      `more than the ${percent(maxProxyLoss)} allowed; deploy with allowDestructiveUpdates if that is intended`
    );
  }
  const hadEndpoints = Object.entries(previous.endpoints)
    .filter(([version, n]) => n > 0 && version in next.endpoints)
    .map(([version]) => version);
  const emptied = hadEndpoints.filter((v) => next.endpoints[v] === 0);
  const maxEndpointLoss = o.maxEndpointLoss ?? 0.5;
  if (hadEndpoints.length >= MIN_POPULATION && emptied.length > maxEndpointLoss * hadEndpoints.length) {
    return (
      `discovery returned no endpoints for ${emptied.length} of ${hadEndpoints.length} service versions ` +
      `(${emptied.join(', ')}), more than the ${percent(maxEndpointLoss)} allowed; ` +
      'keeping the last published snapshots (a discovery outage looks like this)'
    );
  }
  return undefined;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
