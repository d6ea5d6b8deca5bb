/**
 * The published state of a mesh: its definition, and for each proxy an immutable,
 * content-addressed snapshot per version plus a pointer to the current one. S3 holds it in
 * AWS; a directory holds it on a laptop. Controllers write it, proxies only read it.
 */
import type { Snapshot } from '../compiler/snapshot';
import type { SnapshotPointer } from './pointer';
import type { PublicationRecord } from './publication-record';

export interface StoredPointer {
  readonly pointer: SnapshotPointer;
  /** Opaque revision of the pointer object (an S3 ETag, a file hash), for compare-and-swap. */
  readonly revision: string;
}

export interface PublishOutcome {
  /** `unchanged`: the proxy already had this version and nothing was written. */
  readonly status: 'published' | 'unchanged';
  readonly pointer: SnapshotPointer;
}

/** The pointer moved after it was read: another writer published in between. */
export class StoreConflictError extends Error {
  constructor(readonly proxy: string) {
    super(`the snapshot pointer of ${proxy} changed while publishing; another controller run published first`);
    this.name = 'StoreConflictError';
  }
}

export interface SnapshotStore {
  /** The proxy's current pointer; `undefined` when nothing was ever published for it. */
  readPointer(proxy: string): Promise<StoredPointer | undefined>;
  /** A snapshot by the key a pointer names. */
  readSnapshot(key: string): Promise<Snapshot>;
  /**
   * Makes `snapshot` the proxy's current version. `expected` is the pointer as read before the
   * inputs were observed; if it moved since, throws `StoreConflictError` and changes nothing
   * visible. The same version as `expected` writes nothing.
   */
  publish(proxy: string, snapshot: Snapshot, expected: StoredPointer | undefined, now: Date): Promise<PublishOutcome>;
  /** Deletes all but the newest `keep` snapshots of a proxy; never the current or previous one. */
  prune(proxy: string, keep: number): Promise<number>;
  readDefinition(): Promise<unknown | undefined>;
  /** `false` when the stored definition already had this content (nothing written). */
  writeDefinition(definition: unknown): Promise<boolean>;
  readRecord(): Promise<PublicationRecord | undefined>;
  writeRecord(record: PublicationRecord): Promise<void>;
}

/** The pointer that replaces `expected` with `snapshot`, or `undefined` when nothing changes. */
export function nextPointer(
  proxy: string,
  snapshot: Snapshot,
  key: string,
  expected: StoredPointer | undefined,
  now: Date,
): SnapshotPointer | undefined {
  const current = expected?.pointer;
  if (current?.version === snapshot.version) return undefined;
  return {
    proxy,
    version: snapshot.version,
    key,
    publishedAt: now.toISOString(),
    sequence: (current?.sequence ?? 0) + 1,
    ...(current ? { previous: { version: current.version, key: current.key, publishedAt: current.publishedAt } } : {}),
  };
}

/** Serialized the same way by every store, so equal content is equal bytes. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export interface StoredSnapshotEntry {
  readonly key: string;
  readonly modified: Date;
}

/** Snapshot objects to delete: all but the newest `keep`, sparing whatever the pointer names. */
export function prunable(
  entries: readonly StoredSnapshotEntry[],
  pointer: SnapshotPointer | undefined,
  keep: number,
): string[] {
  const spared = new Set([pointer?.key, pointer?.previous?.key]);
  return [...entries]
    .sort((a, b) => b.modified.getTime() - a.modified.getTime() || (a.key < b.key ? -1 : 1))
    .slice(keep)
    .map((e) => e.key)
    .filter((k) => !spared.has(k));
}
