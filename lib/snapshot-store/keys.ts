/**
 * Where a mesh's published state lives in its store (an S3 bucket, or a directory): one
 * prefix per proxy, so IAM can let each proxy read its own snapshots and nothing else.
 * Sidecars and gateways get separate trees: a gateway named like a service must not be able
 * to read that service's snapshots.
 */
import { parseSidecarName } from '../compiler/names';

/** The mesh definition the controllers compile (written on deploy). */
export const DEFINITION_KEY = 'mesh/definition.json';
/** What the last publication contained: each proxy's version and each version's endpoint counts. */
export const RECORD_KEY = 'mesh/published.json';
export const SNAPSHOTS_PREFIX = 'snapshots/';

/** `snapshots/sidecars/<service>/<version>/` or `snapshots/gateways/<gateway>/`. */
export function proxyPrefix(proxy: string): string {
  const sidecar = parseSidecarName(proxy);
  return sidecar
    ? `${SNAPSHOTS_PREFIX}sidecars/${sidecar.service}/${sidecar.version}/`
    : `${SNAPSHOTS_PREFIX}gateways/${proxy}/`;
}

/** The small object naming the proxy's current version: replaced atomically on publish. */
export function pointerKey(proxy: string): string {
  return `${proxyPrefix(proxy)}current.json`;
}

/** A snapshot, content-addressed: written once, never changed. */
export function snapshotKey(proxy: string, version: string): string {
  return `${versionsPrefix(proxy)}${version}.json`;
}

export function versionsPrefix(proxy: string): string {
  return `${proxyPrefix(proxy)}versions/`;
}

/**
 * Issued certificates and their private keys (AWS Private CA), kept so a run reuses them until
 * renewal. Outside `snapshots/`, so no proxy's grant reaches them: only the controller reads
 * this tree; each proxy gets its own key inside its own snapshot.
 */
export const IDENTITIES_PREFIX = 'identities/';

/** `identities/sidecars/<service>/<version>/identity.json` or `identities/gateways/<gateway>/identity.json`. */
export function identityKey(proxy: string): string {
  return `${IDENTITIES_PREFIX}${proxyPrefix(proxy).slice(SNAPSHOTS_PREFIX.length)}identity.json`;
}
