/**
 * An in-memory S3 bucket behind aws-sdk-client-mock, for tests of code that talks to S3 through
 * `@aws-sdk/client-s3` (AWS itself cannot run here). It keeps S3's semantics that matter to
 * snapshot publishing: ETags, `If-Match` / `If-None-Match: *` on PutObject (412 when they fail),
 * 404 `NoSuchKey`, ListObjectsV2 by prefix, DeleteObjects, and it counts every write.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export interface StoredObject {
  body: string;
  etag: string;
  modified: Date;
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

export class FakeS3Bucket {
  readonly objects = new Map<string, StoredObject>();
  /** Every PutObject and deleted key that changed the bucket, in order. */
  readonly writes: string[] = [];
  /** Runs before each PutObject: lets a test interleave another writer. */
  beforePut?: (key: string) => void;
  /** Decides what a GetObject reads: lets a test tear a read, as a store without atomic writes can. */
  onGet?: (key: string, stored: StoredObject) => StoredObject;
  private clock = Date.parse('2026-10-01T00:00:00Z');
  readonly mock = mockClient(S3Client);

  constructor(readonly bucket: string) {
    this.mock.on(GetObjectCommand).callsFake((input) => {
      this.checkBucket(input.Bucket);
      const stored = this.objects.get(input.Key);
      if (!stored) throw s3Error('NoSuchKey', 404);
      const o = this.onGet ? this.onGet(input.Key, stored) : stored;
      if (input.IfNoneMatch && input.IfNoneMatch === o.etag) throw s3Error('NotModified', 304);
      return { Body: { transformToString: async () => o.body }, ETag: o.etag, LastModified: o.modified };
    });
    this.mock.on(PutObjectCommand).callsFake((input) => {
      this.checkBucket(input.Bucket);
      this.beforePut?.(input.Key);
      const existing = this.objects.get(input.Key);
      if (input.IfNoneMatch === '*' && existing) throw s3Error('PreconditionFailed', 412);
      if (input.IfMatch !== undefined && existing?.etag !== input.IfMatch) throw s3Error('PreconditionFailed', 412);
      this.put(input.Key, String(input.Body));
      return { ETag: this.objects.get(input.Key)!.etag };
    });
    this.mock.on(ListObjectsV2Command).callsFake((input) => {
      this.checkBucket(input.Bucket);
      const Contents = [...this.objects]
        .filter(([k]) => k.startsWith(input.Prefix ?? ''))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([Key, o]) => ({ Key, ETag: o.etag, LastModified: o.modified }));
      return { Contents, IsTruncated: false };
    });
    this.mock.on(DeleteObjectsCommand).callsFake((input) => {
      this.checkBucket(input.Bucket);
      for (const { Key } of input.Delete?.Objects ?? []) {
        if (Key && this.objects.delete(Key)) this.writes.push(`delete ${Key}`);
      }
      return {};
    });
  }

  /** Writes an object directly, as another writer would. */
  put(key: string, body: string): void {
    this.clock += 1000;
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    this.objects.set(key, { body, etag, modified: new Date(this.clock) });
    this.writes.push(`put ${key}`);
  }

  json(key: string): unknown {
    const o = this.objects.get(key);
    return o ? JSON.parse(o.body) : undefined;
  }

  /** A client whose `send` this fake answers. */
  client(): S3Client {
    return new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  }

  restore(): void {
    this.mock.restore();
  }

  private checkBucket(name: string | undefined): void {
    if (name !== this.bucket) throw s3Error('NoSuchBucket', 404);
  }
}
