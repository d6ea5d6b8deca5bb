/**
 * The snapshot store in a directory, with the same layout as the S3 bucket (`<root>/<key>`),
 * for a laptop and for tests. Pointers are replaced atomically (write aside, then rename), so a
 * reader sees the old pointer or the new one, never half of one. Compare-and-swap checks the
 * pointer's content hash just before the rename: enough for one writer process at a time, which
 * is how the local control plane runs.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Snapshot } from '../compiler/snapshot';
import { contentHash } from '../compiler/snapshot';
import { DEFINITION_KEY, pointerKey, RECORD_KEY, snapshotKey, versionsPrefix } from './keys';
import { parsePointer } from './pointer';
import { type PublicationRecord, publicationRecord } from './publication-record';
import {
  nextPointer,
  type PublishOutcome,
  prunable,
  type SnapshotStore,
  StoreConflictError,
  type StoredPointer,
  toJsonText,
} from './snapshot-store';

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

export class FileSnapshotStore implements SnapshotStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  private async readText(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Write aside, then rename: readers never see a partial file. */
  private async replace(key: string, text: string): Promise<void> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, text);
    await rename(temp, file);
  }

  async readPointer(proxy: string): Promise<StoredPointer | undefined> {
    const key = pointerKey(proxy);
    const text = await this.readText(key);
    if (text === undefined) return undefined;
    return { pointer: parsePointer(text, this.path(key)), revision: hashOf(text) };
  }

  async readSnapshot(key: string): Promise<Snapshot> {
    const text = await this.readText(key);
    if (text === undefined) throw new Error(`${this.path(key)}: no such snapshot`);
    return JSON.parse(text) as Snapshot;
  }

  async publish(proxy: string, snapshot: Snapshot, expected: StoredPointer | undefined, now: Date) {
    const key = snapshotKey(proxy, snapshot.version);
    const pointer = nextPointer(proxy, snapshot, key, expected, now);
    if (!pointer) return { status: 'unchanged', pointer: expected!.pointer } satisfies PublishOutcome;
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    try {
      await writeFile(file, toJsonText(snapshot), { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const current = await this.readText(pointerKey(proxy));
    if ((current === undefined ? undefined : hashOf(current)) !== expected?.revision) {
      throw new StoreConflictError(proxy);
    }
    await this.replace(pointerKey(proxy), toJsonText(pointer));
    return { status: 'published', pointer } satisfies PublishOutcome;
  }

  async prune(proxy: string, keep: number): Promise<number> {
    const prefix = versionsPrefix(proxy);
    let names: string[];
    try {
      names = (await readdir(this.path(prefix))).filter((n) => n.endsWith('.json'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    const entries = await Promise.all(
      names.map(async (n) => ({ key: `${prefix}${n}`, modified: (await stat(this.path(`${prefix}${n}`))).mtime })),
    );
    const doomed = prunable(entries, (await this.readPointer(proxy))?.pointer, keep);
    await Promise.all(doomed.map((k) => unlink(this.path(k))));
    return doomed.length;
  }

  async readDefinition(): Promise<unknown | undefined> {
    const text = await this.readText(DEFINITION_KEY);
    return text === undefined ? undefined : JSON.parse(text);
  }

  async writeDefinition(definition: unknown): Promise<boolean> {
    const current = await this.readDefinition();
    if (current !== undefined && contentHash(current) === contentHash(definition)) return false;
    await this.replace(DEFINITION_KEY, toJsonText(definition));
    return true;
  }

  async readRecord(): Promise<PublicationRecord | undefined> {
    const text = await this.readText(RECORD_KEY);
    return text === undefined ? undefined : publicationRecord.parse(JSON.parse(text));
  }

  async writeRecord(record: PublicationRecord): Promise<void> {
    await this.replace(RECORD_KEY, toJsonText(record));
  }
}
