/**
 * The construct and the controller agree: the example app's `Mesh` is synthesized, its deploy
 * custom resource's properties and its controller's environment are taken from the template, and
 * the real handler runs on the CloudFormation event they make, with tasks registered in Cloud Map
 * as ECS service discovery registers them through `MeshProxy.cloudMapOptions()` (a service per
 * version, SRV records on the proxy's ingress port). AWS is mocked at the SDK.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ShopStack } from '../../examples/cdk/shop-stack';
import { createHandler, runtimeFromEnvironment } from '../../lambdas/compile/index';
import { CONTROLLER_ENV, DEPLOYMENT_PROPERTIES } from '../../lib/aws/controller-environment';
import { ProxyImage } from '../../lib/cdk';
import type { Snapshot } from '../../lib/compiler/snapshot';
import { validateSnapshot } from '../../lib/compiler/validate-snapshot';
import { pointerKey } from '../../lib/snapshot-store/keys';
import type { SnapshotPointer } from '../../lib/snapshot-store/pointer';
import { cfnText } from '../cdk/template-values';
import { captureStdout } from '../support/emf';
import { FakeCloudMap } from '../support/fake-cloud-map';
import { FakeS3Bucket } from '../support/fake-s3-bucket';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { customResourceEvent, taskStateChangeEvent } from './controller-events';

const BUCKET = 'trellisshop-meshsnapshotbucket-0a1b2c3d4e5f';

let properties: Record<string, string>;
let environment: Record<string, string>;
let bucket: FakeS3Bucket;
let cloudMap: FakeCloudMap;
let server: Server;
let responseUrl: string;
const responses: Record<string, unknown>[] = [];

beforeAll(async () => {
  // GIVEN the example app's template
  const app = new App({ outdir: tempDir('trellis-cdk-'), context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ShopStack(app, 'Shop', {
    proxyImage: ProxyImage.fromContainerImage(ecs.ContainerImage.fromRegistry('registry.example/trellis-proxy:test')),
  });
  const template = Template.fromStack(stack);
  const [deployment] = Object.values(template.findResources('Custom::TrellisMeshDeployment')) as {
    Properties: Record<string, unknown>;
  }[];
  properties = {
    [DEPLOYMENT_PROPERTIES.definition]: cfnText(deployment.Properties[DEPLOYMENT_PROPERTIES.definition]),
    [DEPLOYMENT_PROPERTIES.allowDestructiveUpdates]: String(
      deployment.Properties[DEPLOYMENT_PROPERTIES.allowDestructiveUpdates],
    ),
  };
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
  ) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  // CloudFormation would substitute the bucket's name for its Ref. The .proto files are where
  // the repository has them, not where the bundle puts them (/var/task/proto: app-synth.test.ts).
  environment = Object.fromEntries(
    Object.entries(fn.Properties.Environment.Variables)
      .filter(([k]) => k !== 'TRELLIS_ENVOY_PROTO_DIR')
      .map(([k, v]) => [k, typeof v === 'string' ? v : BUCKET]),
  );

  bucket = new FakeS3Bucket(BUCKET);
  cloudMap = new FakeCloudMap();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
  // A synthesis takes seconds, more on a loaded machine.
}, 180_000);

afterAll(async () => {
  bucket.restore();
  cloudMap.restore();
  await new Promise((r) => server.close(r));
  removeTempDirs();
});

const PROXIES = ['catalog/v1', 'catalog/v2', 'frontend/v1', 'ingress', 'reviews/v1'];

/** Runs the handler as the template's Lambda would: its environment, stdout captured. */
async function run(event: unknown): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, environment);
  const out = captureStdout();
  try {
    await handler(event);
  } finally {
    out.restore();
    process.env = saved;
  }
}

let handler: ReturnType<typeof createHandler>;

function snapshotOf(proxy: string): Snapshot {
  return bucket.json((bucket.json(pointerKey(proxy)) as SnapshotPointer).key) as Snapshot;
}

test('the first deploy, before any task runs, publishes a snapshot for every proxy', async () => {
  handler = createHandler(runtimeFromEnvironment);
  expect(environment[CONTROLLER_ENV.mesh]).toBe('shop');
  // WHEN CloudFormation creates the deploy resource (MeshProxy makes tasks wait for it)
  await run(customResourceEvent('Create', responseUrl, properties));
  // THEN it succeeds, and every proxy has a valid snapshot to become ready with
  expect(responses.map((r) => r.Status)).toEqual(['SUCCESS']);
  for (const proxy of PROXIES) expect(validateSnapshot(snapshotOf(proxy))).toEqual([]);
});

test('tasks registered as MeshProxy registers them become endpoints at their proxies; a retry writes nothing', async () => {
  // GIVEN the tasks ECS started, registered through cloudMapOptions(): SRV on port 15000
  let n = 10;
  for (const id of ['catalog-v1', 'catalog-v1', 'catalog-v2', 'frontend-v1', 'reviews-v1']) {
    cloudMap.registerTask('shop.local', id, { id: `task-${n}`, ip: `10.0.1.${n++}`, port: 15000, family: `Shop${id}` });
  }
  // WHEN the last one's state change arrives, twice (EventBridge delivers at least once)
  const event = taskStateChangeEvent({
    id: 'task-14',
    family: 'Shopreviews-v1',
    ip: '10.0.1.14',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
  });
  await run(event);
  const writes = bucket.writes.length;
  await run(event);
  // THEN the retry changed nothing
  expect(bucket.writes.length).toBe(writes);
  for (const proxy of PROXIES) expect(validateSnapshot(snapshotOf(proxy))).toEqual([]);
  // AND the frontend's sidecar sends catalog traffic to the catalog tasks' proxies (port 15000)
  const catalogV1 = JSON.stringify(
    snapshotOf('frontend/v1').resources.endpoints.find((e) => String(e.cluster_name).endsWith('|v1|catalog')),
  );
  expect(catalogV1).toContain('"address":"10.0.1.10","port_value":15000');
  expect(catalogV1).toContain('"address":"10.0.1.11","port_value":15000');
});

test('a retried deploy writes nothing new', async () => {
  const writes = bucket.writes.length;
  await run(customResourceEvent('Update', responseUrl, properties, properties));
  expect(responses.at(-1)?.Status).toBe('SUCCESS');
  expect(bucket.writes.length).toBe(writes);
});
