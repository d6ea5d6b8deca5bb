/**
 * The snapshot store's contract, held by both implementations: the S3 store (through the real
 * `@aws-sdk/client-s3`, answered by an in-memory bucket with S3's conditional-write semantics, and
 * by s3rver on 127.0.0.1 for the wire protocol) and the directory store.
 */
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { compile } from '../../lib/compiler/compile';
import type { Snapshot } from '../../lib/compiler/snapshot';
import { validateMesh } from '../../lib/model/validate';
import { FileSnapshotStore } from '../../lib/snapshot-store/file-snapshot-store';
import { pointerKey, proxyPrefix, snapshotKey } from '../../lib/snapshot-store/keys';
import { S3SnapshotStore } from '../../lib/snapshot-store/s3-snapshot-store';
import { type SnapshotStore, StoreConflictError } from '../../lib/snapshot-store/snapshot-store';
import { FakeS3Bucket } from '../support/fake-s3-bucket';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { SHOP, shopEndpoints } from './mesh-fixtures';

const model = validateMesh(SHOP).model!;
/** frontend/v1's sidecar calls catalog and reviews: more tasks there, a new version of its snapshot. */
function frontendSnapshot(tasks: number): Snapshot {
  return compile(model, shopEndpoints(tasks)).snapshots['frontend/v1'];
}
const T0 = new Date('2026-10-01T12:00:00Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);

afterAll(removeTempDirs);

describe('keys', () => {
  test('sidecars and gateways live in separate trees, one prefix per proxy', () => {
    expect(proxyPrefix('catalog/v1')).toBe('snapshots/sidecars/catalog/v1/');
    expect(proxyPrefix('catalog')).toBe('snapshots/gateways/catalog/');
    expect(pointerKey('ingress')).toBe('snapshots/gateways/ingress/current.json');
    expect(snapshotKey('catalog/v2', 'abc')).toBe('snapshots/sidecars/catalog/v2/versions/abc.json');
  });
});

interface Harness {
  store: SnapshotStore;
  /** Writes seen so far (objects created, replaced or deleted). */
  writes(): number;
  /** Replaces a proxy's pointer behind the store's back, as a concurrent writer would. */
  tamper(proxy: string): Promise<void>;
  /** Overwrites a proxy's pointer with bytes that are not a pointer. */
  corrupt(proxy: string): void;
  close(): void;
}

const harnesses: Record<string, () => Harness> = {
  s3: () => {
    const bucket = new FakeS3Bucket('snapshots-bucket');
    const store = new S3SnapshotStore({ client: bucket.client(), bucket: 'snapshots-bucket' });
    return {
      store,
      writes: () => bucket.writes.length,
      tamper: async (proxy) => {
        const p = bucket.json(pointerKey(proxy)) as Record<string, unknown>;
        bucket.put(pointerKey(proxy), JSON.stringify({ ...p, sequence: (p.sequence as number) + 100 }));
      },
      corrupt: (proxy) => bucket.put(pointerKey(proxy), '{"proxy":"frontend/v1","version":""}'),
      close: () => bucket.restore(),
    };
  },
  files: () => {
    const root = tempDir('trellis-store-');
    const store = new FileSnapshotStore(root);
    const { readdirSync, statSync, readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
    const { join } = require('node:path') as typeof import('node:path');
    const list = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? list(join(dir, n)) : [join(dir, n)]));
    const fingerprint = () =>
      list(root)
        .map((f) => `${f}:${statSync(f).mtimeMs}:${statSync(f).ino}`)
        .sort()
        .join('\n');
    let seen = fingerprint();
    let count = 0;
    return {
      store,
      writes: () => {
        const now = fingerprint();
        if (now !== seen) count++;
        seen = now;
        return count;
      },
      tamper: async (proxy) => {
        const file = join(root, ...pointerKey(proxy).split('/'));
        const p = JSON.parse(readFileSync(file, 'utf8'));
        writeFileSync(file, JSON.stringify({ ...p, sequence: p.sequence + 100 }));
      },
      corrupt: (proxy) =>
        writeFileSync(join(root, ...pointerKey(proxy).split('/')), '{"proxy":"frontend/v1","version":""}'),
      close: () => {},
    };
  },
};

describe.each(Object.keys(harnesses))('%s snapshot store', (kind) => {
  let h: Harness;
  beforeEach(() => {
    h = harnesses[kind]();
  });
  afterEach(() => h.close());

  test('publishes a snapshot under its content address and points at it', async () => {
    // GIVEN
    const s1 = frontendSnapshot(1);
    // WHEN
    const out = await h.store.publish('frontend/v1', s1, undefined, T0);
    // THEN
    expect(out.status).toBe('published');
    const current = await h.store.readPointer('frontend/v1');
    expect(current?.pointer).toEqual({
      proxy: 'frontend/v1',
      version: s1.version,
      key: snapshotKey('frontend/v1', s1.version),
      sequence: 1,
      publishedAt: T0.toISOString(),
    });
    expect(await h.store.readSnapshot(current!.pointer.key)).toEqual(s1);
  });

  test('a repeat of the same content writes nothing', async () => {
    const s1 = frontendSnapshot(1);
    await h.store.publish('frontend/v1', s1, undefined, T0);
    const before = h.writes();
    const expected = await h.store.readPointer('frontend/v1');
    const again = await h.store.publish('frontend/v1', frontendSnapshot(1), expected, later(60));
    expect(again.status).toBe('unchanged');
    expect(again.pointer.publishedAt).toBe(T0.toISOString());
    expect(h.writes()).toBe(before);
  });

  test('a new version moves forward and keeps the last good one', async () => {
    const s1 = frontendSnapshot(1);
    const s2 = frontendSnapshot(2);
    expect(s2.version).not.toBe(s1.version);
    await h.store.publish('frontend/v1', s1, undefined, T0);
    const out = await h.store.publish('frontend/v1', s2, await h.store.readPointer('frontend/v1'), later(5));
    expect(out.pointer).toMatchObject({
      version: s2.version,
      sequence: 2,
      previous: { version: s1.version, key: snapshotKey('frontend/v1', s1.version), publishedAt: T0.toISOString() },
    });
    expect(await h.store.readSnapshot(out.pointer.previous!.key)).toEqual(s1);
  });

  test('a pointer that moved since it was read is not overwritten', async () => {
    const s1 = frontendSnapshot(1);
    await h.store.publish('frontend/v1', s1, undefined, T0);
    const stale = await h.store.readPointer('frontend/v1');
    await h.tamper('frontend/v1');
    const moved = await h.store.readPointer('frontend/v1');
    await expect(h.store.publish('frontend/v1', frontendSnapshot(3), stale, later(5))).rejects.toThrow(
      StoreConflictError,
    );
    expect(await h.store.readPointer('frontend/v1')).toEqual(moved);
    // A first publication races too: someone else created the pointer.
    await h.store.publish('catalog/v1', s1, undefined, T0);
    await expect(h.store.publish('catalog/v1', frontendSnapshot(2), undefined, T0)).rejects.toThrow(StoreConflictError);
  });

  test('pruning keeps the newest snapshots and never the current or previous one', async () => {
    const versions: string[] = [];
    for (let n = 1; n <= 6; n++) {
      const s = frontendSnapshot(n);
      versions.push(s.version);
      await h.store.publish('frontend/v1', s, await h.store.readPointer('frontend/v1'), later(n));
      // Distinct modification times for the directory store too.
      await new Promise((r) => setTimeout(r, kind === 'files' ? 15 : 0));
    }
    expect(await h.store.prune('frontend/v1', 3)).toBe(3);
    for (const v of versions.slice(0, 3)) {
      await expect(h.store.readSnapshot(snapshotKey('frontend/v1', v))).rejects.toThrow(/no such snapshot/);
    }
    for (const v of versions.slice(3)) {
      expect((await h.store.readSnapshot(snapshotKey('frontend/v1', v))).version).toBe(v);
    }
    expect(await h.store.prune('frontend/v1', 0)).toBe(1);
    const p = (await h.store.readPointer('frontend/v1'))!.pointer;
    expect((await h.store.readSnapshot(p.key)).version).toBe(versions[5]);
    expect((await h.store.readSnapshot(p.previous!.key)).version).toBe(versions[4]);
  });

  test('the definition is written only when its content changes', async () => {
    expect(await h.store.readDefinition()).toBeUndefined();
    expect(await h.store.writeDefinition(SHOP)).toBe(true);
    const writes = h.writes();
    expect(await h.store.writeDefinition(JSON.parse(JSON.stringify(SHOP)))).toBe(false);
    expect(h.writes()).toBe(writes);
    expect(await h.store.readDefinition()).toEqual(SHOP);
  });

  test('a corrupt pointer is an error naming where it is', async () => {
    await h.store.publish('frontend/v1', frontendSnapshot(1), undefined, T0);
    h.corrupt('frontend/v1');
    await expect(h.store.readPointer('frontend/v1')).rejects.toThrow(
      /snapshots\/sidecars\/frontend\/v1\/current\.json: version: .*/,
    );
  });
});

describe('S3 snapshot store on a real S3-compatible server (s3rver on 127.0.0.1)', () => {
  let server: S3rver;
  let client: S3Client;

  beforeAll(async () => {
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: tempDir('trellis-s3rver-'),
      configureBuckets: [{ name: 'mesh-snapshots', configs: [] }],
    });
    const { port } = await server.run();
    client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  test('publishes, reads back, moves forward and prunes over the S3 protocol', async () => {
    const store = new S3SnapshotStore({ client, bucket: 'mesh-snapshots' });
    const s1 = frontendSnapshot(1);
    const s2 = frontendSnapshot(2);
    await store.publish('frontend/v1', s1, undefined, T0);
    const p1 = await store.readPointer('frontend/v1');
    expect(p1?.revision).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await store.publish('frontend/v1', s1, p1, later(1))).status).toBe('unchanged');
    const out = await store.publish('frontend/v1', s2, p1, later(2));
    expect(out.pointer.sequence).toBe(2);
    expect(await store.readSnapshot(out.pointer.key)).toEqual(s2);
    expect(await store.prune('frontend/v1', 0)).toBe(0);
    expect(await store.readPointer('reviews/v1')).toBeUndefined();
    await store.writeRecord({
      definition: 'x',
      proxies: { 'frontend/v1': s2.version },
      endpoints: {},
      publishedAt: '',
    });
    expect((await store.readRecord())?.proxies).toEqual({ 'frontend/v1': s2.version });
  });
});
