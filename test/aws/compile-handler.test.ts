/**
 * The compile controller's handler on realistic events, with AWS mocked at the SDK
 * (aws-sdk-client-mock): S3 answered by an in-memory bucket with S3's conditional writes, Cloud
 * Map by a fake registry. CloudFormation's response URL is a real HTTP server on 127.0.0.1.
 * Snapshots it writes must pass Envoy's schema; EMF is read from stdout.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handler } from '../../lambdas/compile/index';
import { CONTROLLER_ENV, DEPLOYMENT_PROPERTIES } from '../../lib/aws/controller-environment';
import type { Snapshot } from '../../lib/compiler/snapshot';
import { validateSnapshot } from '../../lib/compiler/validate-snapshot';
import type { MeshSpec } from '../../lib/model/mesh';
import { DEFINITION_KEY, pointerKey, RECORD_KEY } from '../../lib/snapshot-store/keys';
import type { SnapshotPointer } from '../../lib/snapshot-store/pointer';
import { captureStdout, type EmfMetric, parseEmf } from '../support/emf';
import { FakeCloudMap } from '../support/fake-cloud-map';
import { FakeS3Bucket } from '../support/fake-s3-bucket';
import { customResourceEvent, scheduledEvent, taskStateChangeEvent } from './controller-events';
import { SHOP, SHOP_PROXIES } from './mesh-fixtures';

const BUCKET = 'trellisshop-meshsnapshots-1a2b3c4d5e6f';
const NAMESPACE = 'shop.local';

/**
 * SHOP with a discovery a mesh file may declare: one Cloud Map service per service, its versions
 * told apart by ECS's task family attribute. (The `Mesh` construct's default, one Cloud Map
 * service per version, runs in construct-deployment.test.ts.)
 */
function deployed(spec: MeshSpec = SHOP): MeshSpec {
  spec = structuredClone(spec);
  const services = Object.fromEntries(
    Object.entries(spec.services).map(([name, s]) => [
      name,
      {
        ...s,
        versions: Object.fromEntries(
          Object.entries(s.versions).map(([v, version]) => [
            v,
            {
              ...version,
              discovery: {
                cloudMap: {
                  namespace: NAMESPACE,
                  service: name,
                  attributes: { ECS_TASK_DEFINITION_FAMILY: `shop-${name}-${v}` },
                },
              },
            },
          ]),
        ),
      },
    ]),
  );
  return { ...spec, services };
}

let bucket: FakeS3Bucket;
let cloudMap: FakeCloudMap;
let responseServer: Server;
let responseUrl: string;
const responses: { body: Record<string, unknown>; contentType: string | undefined }[] = [];

beforeAll(async () => {
  process.env[CONTROLLER_ENV.bucket] = BUCKET;
  process.env[CONTROLLER_ENV.mesh] = 'shop';
  bucket = new FakeS3Bucket(BUCKET);
  cloudMap = new FakeCloudMap();
  responseServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      responses.push({ body: JSON.parse(body), contentType: req.headers['content-type'] });
      res.end();
    });
  });
  await new Promise<void>((r) => responseServer.listen(0, '127.0.0.1', r));
  responseUrl = `http://127.0.0.1:${(responseServer.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=abc`;
  // Tasks ECS registered before the deploy: two of catalog v1, one of everything else.
  let n = 10;
  for (const [service, version, port] of [
    ['catalog', 'v1', 3000],
    ['catalog', 'v1', 3000],
    ['catalog', 'v2', 3000],
    ['frontend', 'v1', 8080],
    ['reviews', 'v1', 3000],
  ] as const) {
    const family = `shop-${service}-${version}`;
    cloudMap.registerTask(NAMESPACE, service, { id: `task-${n}`, ip: `10.0.0.${n++}`, port, family });
  }
});

afterAll(async () => {
  bucket.restore();
  cloudMap.restore();
  await new Promise((r) => responseServer.close(r));
});

interface Invocation {
  result: unknown;
  metrics: EmfMetric[];
  error?: Error;
}

async function invoke(event: unknown): Promise<Invocation> {
  const [one] = await invokeTogether([event]);
  return one;
}

/** Runs invocations concurrently, as two warm Lambda instances would; stdout is captured once for all. */
async function invokeTogether(events: unknown[]): Promise<Invocation[]> {
  const out = captureStdout();
  try {
    const settled = await Promise.allSettled(events.map((e) => handler(e)));
    const metrics = parseEmf(out.text());
    return settled.map((s) =>
      s.status === 'fulfilled'
        ? { result: s.value, metrics }
        : { result: undefined, metrics, error: s.reason as Error },
    );
  } finally {
    out.restore();
  }
}

function pointer(proxy: string): SnapshotPointer {
  return bucket.json(pointerKey(proxy)) as SnapshotPointer;
}

function snapshot(proxy: string): Snapshot {
  return bucket.json(pointer(proxy).key) as Snapshot;
}

function lbAddresses(s: Snapshot, cluster: string): string[] {
  const cla = s.resources.endpoints.find((e) => e.cluster_name === cluster) as
    | { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[] }
    | undefined;
  return (cla?.endpoints ?? []).flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.address));
}

function metric(metrics: EmfMetric[], name: string, dims: Record<string, string>): number | undefined {
  return metrics.find(
    (m) => m.name === name && m.namespace === 'Trellis' && JSON.stringify(m.dimensions) === JSON.stringify(dims),
  )?.value;
}

const createEvent = () =>
  customResourceEvent('Create', responseUrl, { [DEPLOYMENT_PROPERTIES.definition]: JSON.stringify(deployed()) });

describe('deploy (CloudFormation custom resource)', () => {
  test('compiles every proxy, publishes snapshots that pass Envoy validation, and answers SUCCESS', async () => {
    // WHEN
    const { metrics } = await invoke(createEvent());

    // THEN CloudFormation got its answer, with no content type (the URL is signed without one)
    expect(responses.at(-1)?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'trellis-mesh-deployment-MeshDeployment0A1B2C3D',
      RequestId: 'req-create-0001',
      LogicalResourceId: 'MeshDeployment0A1B2C3D',
      Data: { Proxies: 5, Published: 5 },
    });
    expect(responses.at(-1)?.contentType).toBeFalsy();
    // every proxy has a pointer to a snapshot Envoy would accept
    for (const proxy of SHOP_PROXIES) {
      expect(pointer(proxy)).toMatchObject({ proxy, sequence: 1 });
      expect(validateSnapshot(snapshot(proxy))).toEqual([]);
    }
    // the definition is stored for the runs that follow
    expect(bucket.json(DEFINITION_KEY)).toEqual(deployed());
    // frontend's sidecar reaches catalog's tasks through Cloud Map's addresses
    expect(lbAddresses(snapshot('frontend/v1'), 'outbound|3000|v1|catalog').sort()).toEqual(['10.0.0.10', '10.0.0.11']);
    expect(lbAddresses(snapshot('frontend/v1'), 'outbound|3000|v2|catalog')).toEqual(['10.0.0.12']);
    // EMF: the run, endpoints per service, snapshot age per proxy
    expect(metric(metrics, 'Reconciles', { Mesh: 'shop' })).toBe(1);
    expect(metric(metrics, 'CompileErrors', { Mesh: 'shop' })).toBe(0);
    expect(metric(metrics, 'SnapshotsPublished', { Mesh: 'shop' })).toBe(5);
    expect(metric(metrics, 'Endpoints', { Mesh: 'shop', Service: 'catalog' })).toBe(3);
    expect(metric(metrics, 'HealthyEndpoints', { Mesh: 'shop', Service: 'catalog' })).toBe(3);
    expect(metric(metrics, 'Endpoints', { Mesh: 'shop', Service: 'reviews' })).toBe(1);
    for (const proxy of SHOP_PROXIES) {
      expect(metric(metrics, 'SnapshotAge', { Mesh: 'shop', Proxy: proxy })).toBeGreaterThanOrEqual(0);
    }
    expect(metrics.find((m) => m.name === 'SnapshotAge')?.unit).toBe('Seconds');
  });

  test('a retry of the same request writes nothing new', async () => {
    const writes = bucket.writes.length;
    const { metrics } = await invoke(createEvent());
    expect(responses.at(-1)?.body).toMatchObject({ Status: 'SUCCESS', Data: { Proxies: 5, Published: 0 } });
    expect(bucket.writes.length).toBe(writes);
    expect(metric(metrics, 'SnapshotsPublished', { Mesh: 'shop' })).toBe(0);
  });

  test('an invalid definition fails the deploy with the path and reason, and keeps the deployed one', async () => {
    const broken = structuredClone(deployed());
    (broken.services.catalog.routes![0].targets[0] as { weight: number }).weight = 300;
    const writes = bucket.writes.length;
    const { metrics } = await invoke(
      customResourceEvent('Update', responseUrl, { [DEPLOYMENT_PROPERTIES.definition]: JSON.stringify(broken) }),
    );
    const reply = responses.at(-1)!.body;
    expect(reply.Status).toBe('FAILED');
    expect(reply.Reason).toMatch(/^definition failed: services\.catalog\.routes\[0\]\.targets\[0\]\.weight: /);
    expect(bucket.writes.length).toBe(writes);
    expect(bucket.json(DEFINITION_KEY)).toEqual(deployed());
    expect(metric(metrics, 'CompileErrors', { Mesh: 'shop' })).toBe(1);
  });

  test('an update that removes most of the mesh is refused unless destructive updates are allowed', async () => {
    const small: MeshSpec = deployed({ name: 'shop', services: { reviews: SHOP.services.reviews } });
    const writes = bucket.writes.length;
    await invoke(
      customResourceEvent('Update', responseUrl, { [DEPLOYMENT_PROPERTIES.definition]: JSON.stringify(small) }),
    );
    expect(responses.at(-1)!.body).toMatchObject({ Status: 'FAILED' });
    expect(responses.at(-1)!.body.Reason).toMatch(
      /^guard failed: the update removes 4 of 5 proxies \(catalog\/v1, catalog\/v2, frontend\/v1, ingress\)/,
    );
    expect(bucket.writes.length).toBe(writes);

    // WHEN the same update is deployed as intended
    await invoke(
      customResourceEvent('Update', responseUrl, {
        [DEPLOYMENT_PROPERTIES.definition]: JSON.stringify(small),
        [DEPLOYMENT_PROPERTIES.allowDestructiveUpdates]: 'true',
      }),
    );
    expect(responses.at(-1)!.body).toMatchObject({ Status: 'SUCCESS', Data: { Proxies: 1 } });
    expect(bucket.json(DEFINITION_KEY)).toEqual(small);
    // and back: growing the mesh needs no permission
    await invoke(createEvent());
    expect(responses.at(-1)!.body).toMatchObject({ Status: 'SUCCESS', Data: { Proxies: 5, Published: 0 } });
  });

  test('a delete answers SUCCESS and leaves the snapshots to the bucket', async () => {
    const writes = bucket.writes.length;
    await invoke(customResourceEvent('Delete', responseUrl, {}));
    expect(responses.at(-1)!.body).toMatchObject({ Status: 'SUCCESS', RequestId: 'req-delete-0001' });
    expect(bucket.writes.length).toBe(writes);
  });
});

describe('ECS task state changes and the schedule', () => {
  test('a new task publishes new snapshots for the proxies that call it, and only those', async () => {
    // GIVEN ECS registered a second catalog v2 task
    cloudMap.registerTask(NAMESPACE, 'catalog', {
      id: 'task-20',
      ip: '10.0.0.20',
      port: 3000,
      family: 'shop-catalog-v2',
    });
    const before = Object.fromEntries(SHOP_PROXIES.map((p) => [p, pointer(p)]));
    const event = taskStateChangeEvent({
      id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      family: 'shop-catalog-v2',
      ip: '10.0.0.20',
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
    });
    // WHEN
    const { result } = await invoke(event);
    // THEN only the frontend sidecar (which calls catalog) changed; the gateway routes to frontend
    expect(result).toEqual({ status: 'published', published: ['frontend/v1'], unchanged: 4 });
    expect(pointer('frontend/v1')).toMatchObject({
      sequence: 2,
      previous: { version: before['frontend/v1'].version },
    });
    expect(lbAddresses(snapshot('frontend/v1'), 'outbound|3000|v2|catalog').sort()).toEqual(['10.0.0.12', '10.0.0.20']);
    expect(validateSnapshot(snapshot('frontend/v1'))).toEqual([]);
    for (const p of SHOP_PROXIES.filter((x) => x !== 'frontend/v1')) expect(pointer(p)).toEqual(before[p]);

    // AND a retry of the same event (EventBridge is at-least-once) writes nothing new
    const writes = bucket.writes.length;
    const again = await invoke(event);
    expect(again.result).toEqual({ status: 'unchanged', published: [], unchanged: 5 });
    expect(bucket.writes.length).toBe(writes);
  });

  test('an unchanged Cloud Map revision is not fetched again', async () => {
    const calls = cloudMap.calls.discoverInstances;
    const { result } = await invoke(scheduledEvent());
    expect(result).toMatchObject({ status: 'unchanged' });
    expect(cloudMap.calls.discoverInstances).toBe(calls);
  });

  test('an older event delivered late never takes a proxy back', async () => {
    cloudMap.deregister(NAMESPACE, 'catalog', 'task-20');
    const stopped = taskStateChangeEvent({
      id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      family: 'shop-catalog-v2',
      ip: '10.0.0.20',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      time: '2026-10-01T12:09:00Z',
    });
    await invoke(stopped);
    const after = pointer('frontend/v1');
    expect(after.sequence).toBe(3);
    // The RUNNING event from before arrives again, late: the controller compiles what Cloud Map says now.
    const late = taskStateChangeEvent({
      id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      family: 'shop-catalog-v2',
      ip: '10.0.0.20',
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      time: '2026-10-01T12:01:00Z',
    });
    const writes = bucket.writes.length;
    await invoke(late);
    expect(pointer('frontend/v1')).toEqual(after);
    expect(bucket.writes.length).toBe(writes);
  });

  test('concurrent runs publish exactly one new version per changed proxy', async () => {
    cloudMap.registerTask(NAMESPACE, 'reviews', {
      id: 'task-30',
      ip: '10.0.0.30',
      port: 3000,
      family: 'shop-reviews-v1',
    });
    const before = pointer('frontend/v1');
    const runs = await invokeTogether([
      scheduledEvent('2026-10-01T12:10:00Z'),
      taskStateChangeEvent({
        id: 'b1b2c3d4e5f60718293a4b5c6d7e8f91',
        family: 'shop-reviews-v1',
        ip: '10.0.0.30',
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
      }),
    ]);
    expect(runs.map((r) => r.error)).toEqual([undefined, undefined]);
    const after = pointer('frontend/v1');
    expect(after.sequence).toBe(before.sequence + 1);
    expect(after.previous?.version).toBe(before.version);
    const versions = [...bucket.objects.keys()].filter((k) => k.startsWith('snapshots/sidecars/frontend/v1/versions/'));
    expect(versions).toContain(after.key);
  });

  test('a discovery outage publishes nothing, fails the run for the dead-letter queue, and counts a compile error', async () => {
    const writes = bucket.writes.length;
    const record = bucket.json(RECORD_KEY);
    cloudMap.answerEmpty = true;
    // Force a fetch: every service's revision moves.
    for (const s of ['catalog', 'frontend', 'reviews'])
      cloudMap.registerTask(NAMESPACE, s, { id: `x-${s}`, ip: '10.9.9.9', port: 1, family: 'other' });
    try {
      const { error, metrics } = await invoke(scheduledEvent('2026-10-01T12:15:00Z'));
      expect(error?.message).toMatch(/^guard failed: discovery returned no endpoints for 4 of 4 service versions/);
      expect(metric(metrics, 'CompileErrors', { Mesh: 'shop' })).toBe(1);
      expect(bucket.writes.length).toBe(writes);
      expect(bucket.json(RECORD_KEY)).toEqual(record);
    } finally {
      cloudMap.answerEmpty = false;
    }
  });

  test('events the controller does not know are ignored', async () => {
    const writes = bucket.writes.length;
    const { result, error } = await invoke({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} });
    expect(error).toBeUndefined();
    expect(result).toBeUndefined();
    expect(bucket.writes.length).toBe(writes);
  });
});
