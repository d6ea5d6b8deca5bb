/**
 * The snapshot store on S3. Every write is conditional, so at-least-once controllers stay
 * correct without a lock: a snapshot is written only if its content-addressed key is new
 * (`If-None-Match: *`), and a pointer only replaces the revision read before the inputs were
 * observed (`If-Match: <etag>`), so a slower run can never overwrite a newer publication.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
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
  type StoredSnapshotEntry,
  toJsonText,
} from './snapshot-store';

export interface S3SnapshotStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
}

interface S3Error {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function status(e: unknown): number | undefined {
  return (e as S3Error).$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as S3Error).name;
  return name === 'NoSuchKey' || name === 'NotFound' || status(e) === 404;
}

/** 412: the condition failed; 409: a concurrent conditional write to the same key won. */
function isConditionFailed(e: unknown): boolean {
  const name = (e as S3Error).name;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || [409, 412].includes(status(e)!);
}

export class S3SnapshotStore implements SnapshotStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(o: S3SnapshotStoreOptions) {
    this.client = o.client;
    this.bucket = o.bucket;
  }

  private async getText(key: string): Promise<{ text: string; etag: string } | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { text: (await res.Body?.transformToString('utf8')) ?? '', etag: res.ETag ?? '' };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async putJson(key: string, value: unknown, condition: { IfMatch?: string; IfNoneMatch?: string } = {}) {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: toJsonText(value),
        ContentType: 'application/json',
        ...condition,
      }),
    );
  }

  async readPointer(proxy: string): Promise<StoredPointer | undefined> {
    const key = pointerKey(proxy);
    const got = await this.getText(key);
    if (!got) return undefined;
    return { pointer: parsePointer(got.text, `s3://${this.bucket}/${key}`), revision: got.etag };
  }

  async readSnapshot(key: string): Promise<Snapshot> {
    const got = await this.getText(key);
    if (!got) throw new Error(`s3://${this.bucket}/${key}: no such snapshot`);
    return JSON.parse(got.text) as Snapshot;
  }

  async publish(proxy: string, snapshot: Snapshot, expected: StoredPointer | undefined, now: Date) {
    const key = snapshotKey(proxy, snapshot.version);
    const pointer = nextPointer(proxy, snapshot, key, expected, now);
    if (!pointer) return { status: 'unchanged', pointer: expected!.pointer } satisfies PublishOutcome;
    try {
      await this.putJson(key, snapshot, { IfNoneMatch: '*' });
    } catch (e) {
      // Content-addressed: an object already there holds these very bytes.
      if (!isConditionFailed(e)) throw e;
    }
    try {
      await this.putJson(pointerKey(proxy), pointer, expected ? { IfMatch: expected.revision } : { IfNoneMatch: '*' });
    } catch (e) {
      if (isConditionFailed(e)) throw new StoreConflictError(proxy);
      throw e;
    }
    return { status: 'published', pointer } satisfies PublishOutcome;
  }

  async prune(proxy: string, keep: number): Promise<number> {
    const entries: StoredSnapshotEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: versionsPrefix(proxy), ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) entries.push({ key: o.Key!, modified: o.LastModified ?? new Date(0) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const doomed = prunable(entries, (await this.readPointer(proxy))?.pointer, keep);
    for (let i = 0; i < doomed.length; i += 1000) {
      const batch = doomed.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
    return doomed.length;
  }

  async readDefinition(): Promise<unknown | undefined> {
    const got = await this.getText(DEFINITION_KEY);
    return got ? JSON.parse(got.text) : undefined;
  }

  async writeDefinition(definition: unknown): Promise<boolean> {
    const current = await this.readDefinition();
    if (current !== undefined && contentHash(current) === contentHash(definition)) return false;
    await this.putJson(DEFINITION_KEY, definition);
    return true;
  }

  async readRecord(): Promise<PublicationRecord | undefined> {
    const got = await this.getText(RECORD_KEY);
    return got ? publicationRecord.parse(JSON.parse(got.text)) : undefined;
  }

  async writeRecord(record: PublicationRecord): Promise<void> {
    await this.putJson(RECORD_KEY, record);
  }
}
