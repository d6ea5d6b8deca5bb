/**
 * The snapshot cache (go-control-plane's `SnapshotCache`): the complete config of each node,
 * keyed per node, that the xDS servers only stream. Every snapshot is validated before it is
 * set (Envoy's schema + consistency), and a whole-mesh update that would delete most of the
 * mesh is refused; either way the last good snapshots stay.
 */
import { contentHash, RESOURCE_TYPES, type Snapshot, typeVersion } from '../compiler/snapshot';
import { validateSnapshot } from '../compiler/validate-snapshot';
import { type DeletionGuardOptions, massDeletion } from './deletion-guard';

export class SnapshotRejectedError extends Error {
  constructor(readonly problems: readonly string[]) {
    const shown = problems.slice(0, 20);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
    super(`snapshot rejected:\n  ${shown.join('\n  ')}`);
    this.name = 'SnapshotRejectedError';
  }
}

export interface SnapshotCacheOptions {
  /** `false` turns the mass-deletion guard off. */
  readonly guard?: DeletionGuardOptions | false;
}

export interface SetSnapshotsOptions {
  /** Apply even when the update deletes most of the mesh. */
  readonly force?: boolean;
}

type Watcher = (snapshot: Snapshot | undefined) => void;

/** Validating a snapshot costs ~0.1 ms a resource; a version (a content hash) needs it once. */
const VALIDATED_MEMORY = 4096;

export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly missingListeners = new Set<(key: string) => void>();
  private readonly validated = new Set<string>();

  constructor(private readonly options: SnapshotCacheOptions = {}) {}

  getSnapshot(key: string): Snapshot | undefined {
    return this.snapshots.get(key);
  }

  keys(): string[] {
    return [...this.snapshots.keys()].sort();
  }

  /** Every snapshot, by key. */
  all(): Record<string, Snapshot> {
    return Object.fromEntries(this.snapshots);
  }

  /** Validates and sets one node's snapshot; throws SnapshotRejectedError and keeps the old one. */
  setSnapshot(key: string, snapshot: Snapshot): void {
    const problems = this.check(snapshot).map((p) => `${key}: ${p}`);
    if (problems.length) throw new SnapshotRejectedError(problems);
    this.store(key, snapshot);
  }

  /**
   * Replaces the whole mesh at once: every snapshot is validated and the mass-deletion guard
   * consulted before any is set, so proxies never see half an update. Keys not in `next` are
   * cleared. Returns the keys whose snapshot changed.
   */
  setSnapshots(next: Readonly<Record<string, Snapshot>>, options: SetSnapshotsOptions = {}): string[] {
    const problems: string[] = [];
    for (const [key, snapshot] of Object.entries(next)) {
      if (this.snapshots.get(key)?.version === snapshot.version) continue;
      for (const p of this.check(snapshot)) problems.push(`${key}: ${p}`);
    }
    if (problems.length) throw new SnapshotRejectedError(problems);
    if (this.options.guard !== false && !options.force) {
      const why = massDeletion(this.all(), next, this.options.guard || {});
      if (why) throw new SnapshotRejectedError([why]);
    }
    const changed: string[] = [];
    for (const key of [...this.snapshots.keys()]) {
      if (!(key in next)) {
        this.clearSnapshot(key);
        changed.push(key);
      }
    }
    for (const [key, snapshot] of Object.entries(next)) if (this.store(key, snapshot)) changed.push(key);
    return changed;
  }

  clearSnapshot(key: string): void {
    if (!this.snapshots.delete(key)) return;
    this.notify(key, undefined);
  }

  /**
   * Calls `fn` with the node's snapshot whenever it changes. A watch on a key with no snapshot
   * tells the missing-snapshot listeners, so a control plane can build snapshots on demand.
   */
  watch(key: string, fn: Watcher): () => void {
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(fn);
    if (!this.snapshots.has(key)) for (const l of this.missingListeners) l(key);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
    };
  }

  /** Keys some stream is watching. */
  watchedKeys(): string[] {
    return [...this.watchers.keys()].sort();
  }

  onMissing(fn: (key: string) => void): () => void {
    this.missingListeners.add(fn);
    return () => this.missingListeners.delete(fn);
  }

  private check(snapshot: Snapshot): string[] {
    // Keyed by the content, not the version the snapshot claims: a hand-built one may lie.
    const content = contentHash(RESOURCE_TYPES.map((t) => typeVersion(snapshot.resources[t] ?? [])));
    if (this.validated.has(content)) return [];
    const problems = validateSnapshot(snapshot);
    if (problems.length === 0) {
      if (this.validated.size >= VALIDATED_MEMORY) this.validated.delete(this.validated.values().next().value!);
      this.validated.add(content);
    }
    return problems;
  }

  private store(key: string, snapshot: Snapshot): boolean {
    if (this.snapshots.get(key)?.version === snapshot.version) return false;
    this.snapshots.set(key, snapshot);
    this.notify(key, snapshot);
    return true;
  }

  private notify(key: string, snapshot: Snapshot | undefined): void {
    for (const fn of [...(this.watchers.get(key) ?? [])]) fn(snapshot);
  }
}
