/**
 * The proxy's S3 config source, end to end: a controller-side S3SnapshotStore publishes a
 * gateway's snapshot to s3rver on 127.0.0.1 through the real @aws-sdk/client-s3, and a real
 * proxy process started from the AWS bootstrap (ADS target `s3://…`) serves it, follows a new
 * publication, keeps serving when S3 goes away, and reports its snapshot's age.
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3Bootstrap } from '../../lib/aws/proxy-bootstrap';
import { compile } from '../../lib/compiler/compile';
import type { EndpointSet } from '../../lib/compiler/endpoints';
import { validateMesh } from '../../lib/model/validate';
import { pointerKey } from '../../lib/snapshot-store/keys';
import { S3SnapshotStore } from '../../lib/snapshot-store/s3-snapshot-store';
import { parseS3Uri } from '../../proxy-image/src/aws/s3-location';
import { spawnChild } from '../support/child-process';
import { parseEmf } from '../support/emf';
import { httpRequest } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { bundleEnv, proxyBundle } from '../support/proxy-bundle';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { sleep, waitFor } from '../support/wait';
import { SHOP } from './mesh-fixtures';
import { TcpOutage } from './tcp-outage';

const BUCKET = 'trellis-snapshots';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const model = validateMesh(SHOP).model!;

let server: S3rver | undefined;
let address: AddressInfo;
let store: S3SnapshotStore;
let client: S3Client;
let proxy: ProxyHandle | undefined;
let blue: HttpUpstream;
let green: HttpUpstream;
let sequence = 0;
/** The proxy reaches S3 through this, so a test can take S3 away from it and give it back. */
let outage: TcpOutage;

function endpointsTo(port: number): EndpointSet {
  return { 'frontend/v1': [{ address: '127.0.0.1', port, health: 'HEALTHY' }] };
}

/** What the compile controller does for the gateway: compile, then publish with compare-and-swap. */
async function publishIngress(port: number): Promise<string> {
  const { snapshots } = compile(model, endpointsTo(port), {
    placement: () => ({ bindAddress: '127.0.0.1', gatewayPorts: { 8080: 0 } }),
  });
  const snapshot = snapshots.ingress;
  const expected = await store.readPointer('ingress');
  sequence++;
  await store.publish('ingress', snapshot, expected, new Date(Date.UTC(2026, 9, 1, 12, 0, sequence)));
  return snapshot.version;
}

async function startS3(): Promise<AddressInfo> {
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: tempDir('trellis-s3rver-'),
    configureBuckets: [{ name: BUCKET }],
  });
  return server.run();
}

async function upstreamOf(p: ProxyHandle): Promise<string> {
  const r = await httpRequest(`${await p.origin()}/`, { headers: { host: 'shop.example' } });
  return r.status === 200 ? String(r.headers['x-upstream']) : `status ${r.status}`;
}

beforeAll(async () => {
  address = await startS3();
  client = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${address.port}`,
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  store = new S3SnapshotStore({ client, bucket: BUCKET });
  outage = new TcpOutage(address.port);
  await outage.restore();
  blue = await startUpstream('blue');
  green = await startUpstream('green');
});

afterAll(async () => {
  await proxy?.stop();
  await outage?.cut();
  await server?.close();
  client?.destroy();
  await closeAllUpstreams();
  removeTempDirs();
});

describe('S3 location', () => {
  test('reads bucket, root and options from the ADS target URI, and names bad input', () => {
    expect(
      parseS3Uri('s3://my-bucket/mesh?region=eu-west-1&endpoint=http://127.0.0.1:9&force_path_style=true'),
    ).toEqual({
      bucket: 'my-bucket',
      root: 'mesh/',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
    });
    expect(() => parseS3Uri('s3://My_Bucket')).toThrow(/target_uri: 'My_Bucket' is not an S3 bucket name/);
    expect(() => parseS3Uri('s3://bucket?colour=red')).toThrow(/unknown parameter 'colour'/);
    expect(() => parseS3Uri('s3://bucket?force_path_style=yes')).toThrow(/force_path_style must be true or false/);
  });
});

describe('a proxy reading its snapshot from S3 (s3rver on 127.0.0.1)', () => {
  test('a bad S3 target stops the proxy at startup with the field and the reason', async () => {
    const config = join(tempDir('trellis-bad-s3-'), 'envoy.json');
    const bootstrap = s3Bootstrap({
      proxy: 'ingress',
      bucket: 'Not_A_Bucket',
      adminAddress: '127.0.0.1',
      adminPort: 0,
    });
    writeFileSync(config, JSON.stringify(bootstrap));
    const bad = spawnChild(process.execPath, [proxyBundle(), '--config', config], { env: bundleEnv() });
    const { code } = await bad.exited;
    expect(code).toBe(1);
    expect(bad.stderr()).toContain(
      "ads_config.grpc_services[0].google_grpc.target_uri: 'Not_A_Bucket' is not an S3 bucket name",
    );
  });

  test('serves the published snapshot, follows a new version, keeps serving without S3', async () => {
    // GIVEN a published snapshot routing the gateway to blue
    const first = await publishIngress(blue.port);
    const bootstrap = s3Bootstrap({
      proxy: 'ingress',
      bucket: BUCKET,
      adminAddress: '127.0.0.1',
      adminPort: 0,
      pollSeconds: 0.2,
      query: { region: 'us-east-1', endpoint: `http://127.0.0.1:${outage.port}`, force_path_style: 'true' },
    });

    // WHEN the proxy starts from the AWS bootstrap
    proxy = await startProxy({
      config: bootstrap,
      format: 'json',
      args: ['--log-level', 'debug'],
      env: {
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        // As MeshProxy configures it: EMF on stdout every second here (every minute on ECS).
        TRELLIS_EMF_INTERVAL_S: '1',
        TRELLIS_EMF_NAMESPACE: 'Trellis/Proxy/shop',
        // Envoy's schema is let go between updates after a second here (five minutes by default).
        TRELLIS_SCHEMA_IDLE_S: '1',
      },
    });
    const p = proxy;

    // THEN it serves the snapshot it read through the real S3 client
    expect(await upstreamOf(p)).toBe('blue');
    const dump = JSON.parse((await p.adminGet('/config_dump')).body);
    expect(JSON.stringify(dump)).toContain(first);
    expect(await p.stat('trellis.s3_snapshot.updated')).toBe(1);
    // Unchanged polls (304) check nothing, so the schema goes; the next version loads it again.
    await waitFor('the schema let go between updates', async () => /Envoy schema released/.test(p.output()));

    // WHEN the controller publishes a new version (green)
    const second = await publishIngress(green.port);
    expect(second).not.toBe(first);
    const secondPointer = (await store.readPointer('ingress'))!.pointer;

    // THEN the proxy picks it up; unchanged polls are conditional GETs answered 304
    await waitFor('the proxy to route to green', async () => (await upstreamOf(p)) === 'green', 20_000);
    await waitFor('a poll answered 304', async () => (await p.stat('trellis.s3_snapshot.not_modified')) > 0);
    expect(await p.stat('trellis.s3_snapshot.updated')).toBe(2);
    expect(await p.stat('trellis.s3_snapshot.sequence')).toBe(2);

    // WHEN S3 goes away
    await outage.cut();

    // THEN polls fail and back off, the last good config keeps serving, and the age is reported
    await waitFor('a failed poll', async () => (await p.stat('trellis.s3_snapshot.fetch_failed')) > 0, 20_000);
    expect(await p.stat('control_plane.connected_state')).toBe(0);
    for (let i = 0; i < 20; i++) expect(await upstreamOf(p)).toBe('green');
    // AND the proxy says so in CloudWatch: SnapshotSyncAge, mesh-wide and per proxy
    const syncAge = () =>
      parseEmf(p.child.stdout()).filter((m) => m.namespace === 'Trellis/Proxy/shop' && m.name === 'SnapshotSyncAge');
    await waitFor('a SnapshotSyncAge metric', () => syncAge().length >= 2);
    expect(syncAge().map((m) => m.dimensions)).toEqual(expect.arrayContaining([{}, { Proxy: 'ingress' }]));
    // Published at 2026-10-01T12:00:02Z: its age is the time since then.
    const expectedAge = (Date.now() - Date.UTC(2026, 9, 1, 12, 0, 2)) / 1000;
    const age = await p.stat('trellis.s3_snapshot.age_seconds');
    expect(Math.abs(age - expectedAge)).toBeLessThan(60);
    await waitFor(
      'the time since S3 last answered to grow',
      async () => (await p.stat('trellis.s3_snapshot.sync_age_seconds')) >= 1,
    );

    // WHEN S3 comes back (same address) with a newer publication, THEN the proxy converges
    await publishIngress(blue.port);
    await outage.restore();
    await waitFor('the proxy to route to blue again', async () => (await upstreamOf(p)) === 'blue', 45_000);
    expect(await p.stat('control_plane.connected_state')).toBe(1);
    // Back in sync: no more SnapshotSyncAge (only a proxy out of sync pays for the metric).
    const seen = syncAge().length;
    await sleep(2500);
    expect(syncAge().length).toBe(seen);

    // WHEN an older pointer reappears (a restored object version), THEN it is ignored
    const putPointer = (body: string) =>
      client.send(new PutObjectCommand({ Bucket: BUCKET, Key: pointerKey('ingress'), Body: body }));
    await putPointer(JSON.stringify(secondPointer));
    await waitFor('the older pointer to be seen', async () => (await p.stat('trellis.s3_snapshot.stale')) > 0);
    expect(await upstreamOf(p)).toBe('blue');

    // WHEN the pointer is not a pointer, THEN it is rejected and the last good config keeps serving
    await putPointer('{"proxy":"ingress","version":""}');
    await waitFor('the bad pointer to be rejected', async () => (await p.stat('trellis.s3_snapshot.rejected')) > 0);
    expect(await upstreamOf(p)).toBe('blue');
    expect(await p.stat('trellis.s3_snapshot.updated')).toBe(3);
  }, 120_000);
});
