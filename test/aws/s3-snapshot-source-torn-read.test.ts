/**
 * The proxy's S3 source against reads that a store without atomic writes can tear (s3rver writes
 * an object's bytes and its ETag one after the other): a pointer read with the new ETag but
 * missing or old bytes must not be remembered, or every later poll is answered 304 and the proxy
 * never sees the new publication.
 */
import { createHash } from 'node:crypto';
import { RESOURCE_TYPE_URLS } from '../../lib/envoy/type-urls';
import { pointerKey, snapshotKey } from '../../lib/snapshot-store/keys';
import type { SnapshotPointer } from '../../lib/snapshot-store/pointer';
import { S3SnapshotSource } from '../../proxy-image/src/aws/s3-snapshot-source';
import { StatsStore } from '../../proxy-image/src/stats/store';
import { FakeS3Bucket, type StoredObject } from '../support/fake-s3-bucket';
import { waitFor } from '../support/wait';

const BUCKET = 'snapshots';
const PROXY = 'ingress';
const POINTER = pointerKey(PROXY);

let bucket: FakeS3Bucket;
let source: S3SnapshotSource | undefined;

function publish(sequence: number, version: string): void {
  const key = snapshotKey(PROXY, version);
  const cluster = { '@type': RESOURCE_TYPE_URLS.clusters, name: `cluster-${version}` };
  bucket.put(key, JSON.stringify({ version, resources: { clusters: [cluster] } }));
  const pointer: SnapshotPointer = { proxy: PROXY, version, key, sequence, publishedAt: '2026-10-01T12:00:00Z' };
  bucket.put(POINTER, JSON.stringify(pointer));
}

const etagOf = (body: string) => `"${createHash('md5').update(body).digest('hex')}"`;

/** Starts a source and returns the versions its CDS watch has been given, in order. */
function start(stats: StatsStore): string[] {
  const versions: string[] = [];
  source = new S3SnapshotSource({
    location: { bucket: BUCKET, root: '', forcePathStyle: true },
    proxy: PROXY,
    store: stats,
    pollIntervalMs: 10,
    client: bucket.client(),
  });
  source
    .subscribe(RESOURCE_TYPE_URLS.clusters, { onUpdate: (_r, v) => versions.push(v), onFailure: () => {} })
    .start([]);
  return versions;
}

beforeEach(() => {
  bucket = new FakeS3Bucket(BUCKET);
});

afterEach(() => {
  source?.stop();
  source = undefined;
  bucket.restore();
});

test.each([
  ['no bytes yet', () => ''],
  ['the old bytes', (old: StoredObject) => old.body],
  ['half the bytes', (_old: StoredObject, next: StoredObject) => next.body.slice(0, next.body.length / 2)],
])('a pointer read with its new ETag but %s is read again', async (_what, tornBody) => {
  publish(1, 'v1');
  const stats = new StatsStore();
  const versions = start(stats);
  await waitFor('v1 to be applied', () => versions.includes('v1'));
  const old = bucket.objects.get(POINTER)!;

  // WHEN the next publication is read torn, once: new ETag, bytes not (all) there yet
  publish(2, 'v2');
  const next = bucket.objects.get(POINTER)!;
  let torn = false;
  bucket.onGet = (key, stored) => {
    if (key !== POINTER || torn) return stored;
    torn = true;
    return { ...stored, etag: etagOf(next.body), body: tornBody(old, next) };
  };

  // THEN the proxy still converges on v2, and nothing newer than v2 is invented
  await waitFor('v2 to be applied', () => versions.includes('v2'), 5000);
  expect(torn).toBe(true);
  expect(versions.filter((v) => v === 'v2')).toHaveLength(1);
  expect(source!.current()?.sequence).toBe(2);
});

test('a torn snapshot read is fetched again instead of waiting for the next publication', async () => {
  publish(1, 'v1');
  const versions = start(new StatsStore());
  await waitFor('v1 to be applied', () => versions.includes('v1'));

  let torn = false;
  bucket.onGet = (key, stored) => {
    if (key !== snapshotKey(PROXY, 'v2') || torn) return stored;
    torn = true;
    return { ...stored, body: stored.body.slice(0, 10) };
  };
  publish(2, 'v2');
  await waitFor('v2 to be applied', () => versions.includes('v2'), 5000);
  expect(torn).toBe(true);
});

test('a bad pointer is counted at every poll but logged once, and the last good snapshot stays', async () => {
  publish(1, 'v1');
  const stats = new StatsStore();
  const versions = start(stats);
  await waitFor('v1 to be applied', () => versions.includes('v1'));
  const out = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    bucket.put(POINTER, '{"proxy":"ingress"}');
    await waitFor('several rejections', () => stats.counter('trellis.s3_snapshot.rejected').value >= 3);
    const logged = out.mock.calls.map((c) => String(c[0])).filter((line) => line.includes('current.json'));
    expect(logged).toHaveLength(1);
    expect(source!.current()?.version).toBe('v1');
    // AND a good publication after it is applied
    publish(3, 'v3');
    await waitFor('v3 to be applied', () => versions.includes('v3'));
  } finally {
    out.mockRestore();
  }
});
