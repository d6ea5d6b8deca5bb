/**
 * Synth-time checks: mesh problems surface with the path and reason (from the same validator as
 * `trellis validate`), mesh files with their line, and wrong wiring with a message naming it. And
 * one mesh, declared in TypeScript or loaded from YAML, is the same model.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Mesh, MeshDefinition, MeshProxy, ProxyImage } from '../../lib/cdk';
import { compile } from '../../lib/compiler/compile';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';

const EXAMPLE_MESH = join(__dirname, '..', '..', 'examples', 'cdk', 'mesh.yaml');
const IMAGE = ProxyImage.fromContainerImage(ecs.ContainerImage.fromRegistry('registry.example/trellis-proxy:test'));

function newStack(): Stack {
  const app = new App({ outdir: tempDir('trellis-cdk-'), context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test');
}

const synth = (stack: Stack) => (stack.node.root as App).synth();

afterAll(removeTempDirs);

test('a mesh problem fails synthesis with its path and reason', () => {
  // GIVEN a route that targets a version the service does not have
  const stack = newStack();
  const mesh = new Mesh(stack, 'Mesh', { meshName: 'shop' });
  const catalog = mesh.addService('catalog');
  catalog.addVersion('v1', { listeners: [{ port: 3000, protocol: 'http' }] });
  catalog.addRoute({ name: 'all', targets: [{ version: 'v9', weight: 100 }] });
  // THEN
  expect(() => synth(stack)).toThrow(/mesh shop: services\.catalog\.routes\[0\]\.targets\[0\]\.version: .*v9/);
});

test('a bad mesh file fails at once with the file, line and path', () => {
  const file = join(tempDir('trellis-mesh-'), 'mesh.yaml');
  writeFileSync(
    file,
    'name: shop\nservices:\n  catalog:\n    versions:\n      v1:\n        listeners: [{ port: 70000, protocol: http }]\n',
  );
  expect(() => MeshDefinition.fromFile(file)).toThrow(
    /mesh\.yaml:6:\d+: services\.catalog\.versions\.v1\.listeners\[0\]\.port/,
  );
  expect(() => MeshDefinition.fromFile(join(tempDir(), 'missing.yaml'))).toThrow(/missing\.yaml: no such file/);
});

test('names are checked as they are added', () => {
  const stack = newStack();
  const mesh = new Mesh(stack, 'Mesh', { definition: MeshDefinition.fromFile(EXAMPLE_MESH) });
  expect(() => mesh.addService('catalog')).toThrow("mesh shop already has a service named 'catalog'");
  expect(
    () => new Mesh(stack, 'Other', { meshName: 'other', definition: MeshDefinition.fromFile(EXAMPLE_MESH) }),
  ).toThrow("meshName 'other' differs from the definition's name 'shop'");
  expect(() => new Mesh(stack, 'Nameless')).toThrow('meshName is required when the mesh has no definition');
  expect(() => mesh.serviceVersion('catalog', 'v3')).toThrow('mesh shop has no version catalog/v3');
  expect(() => new Mesh(stack, 'Fast', { meshName: 'fast', resyncInterval: Duration.seconds(10) })).toThrow(
    /resyncInterval must be at least one minute/,
  );
  expect(() => new Mesh(stack, 'Guard', { meshName: 'guard', maxProxyLoss: 2 })).toThrow(
    'maxProxyLoss must be a ratio from 0 to 1, got 2',
  );
});

test('a task outside awsvpc, a gateway in Cloud Map, and ECS service discovery on an HTTP namespace are refused', () => {
  const stack = newStack();
  const mesh = new Mesh(stack, 'Mesh', { definition: MeshDefinition.fromFile(EXAMPLE_MESH) });
  const bridge = new ecs.Ec2TaskDefinition(stack, 'Bridge', { networkMode: ecs.NetworkMode.BRIDGE });
  expect(
    () =>
      new MeshProxy(stack, 'P1', {
        mesh,
        taskDefinition: bridge,
        proxy: mesh.serviceVersion('catalog', 'v1'),
        image: IMAGE,
      }),
  ).toThrow(/network mode is bridge; .* must be awsvpc/);

  const gatewayTask = new ecs.FargateTaskDefinition(stack, 'Gateway');
  const gateway = new MeshProxy(stack, 'P2', {
    mesh,
    taskDefinition: gatewayTask,
    proxy: mesh.gateway('ingress'),
    image: IMAGE,
  });
  expect(() => gateway.cloudMapOptions()).toThrow(/ingress is a gateway/);

  const task = new ecs.FargateTaskDefinition(stack, 'Catalog');
  const sidecar = new MeshProxy(stack, 'P3', {
    mesh,
    taskDefinition: task,
    proxy: mesh.serviceVersion('catalog', 'v1'),
    image: IMAGE,
  });
  // No vpc: the mesh made an HTTP namespace.
  expect(() => sidecar.cloudMapOptions()).toThrow(
    /namespace shop\.local is an HTTP namespace; ECS service discovery needs a DNS namespace/,
  );
});

test('an Ec2Service in awsvpc mode joins the mesh like a FargateService', () => {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  cluster.addCapacity('Capacity', {
    instanceType: new ec2.InstanceType('t3.small'),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
  });
  const mesh = new Mesh(stack, 'Mesh', { definition: MeshDefinition.fromFile(EXAMPLE_MESH), vpc });
  const task = new ecs.Ec2TaskDefinition(stack, 'Task', { networkMode: ecs.NetworkMode.AWS_VPC });
  const app = task.addContainer('app', {
    image: ecs.ContainerImage.fromRegistry('registry.example/reviews:1'),
    memoryLimitMiB: 256,
  });
  const proxy = new MeshProxy(stack, 'Proxy', {
    mesh,
    taskDefinition: task,
    proxy: mesh.serviceVersion('reviews', 'v1'),
    applicationContainer: app,
    image: IMAGE,
  });
  new ecs.Ec2Service(stack, 'Service', { cluster, taskDefinition: task, cloudMapOptions: proxy.cloudMapOptions() });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::ECS::TaskDefinition', {
    RequiresCompatibilities: ['EC2'],
    NetworkMode: 'awsvpc',
    ContainerDefinitions: Match.arrayWith([
      Match.objectLike({ Name: 'app', DependsOn: [{ ContainerName: 'trellis-proxy', Condition: 'HEALTHY' }] }),
    ]),
  });
  template.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 'reviews-v1' });
});

test('a mesh with mTLS warns that the proxy needs its certificates mounted', () => {
  const stack = newStack();
  const mesh = new Mesh(stack, 'Mesh', {
    definition: MeshDefinition.fromSpec({
      name: 'secure',
      mtls: { mode: 'strict' },
      services: { api: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }] } } } },
    }),
  });
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  new MeshProxy(stack, 'Proxy', { mesh, taskDefinition: task, proxy: mesh.serviceVersion('api', 'v1'), image: IMAGE });
  Annotations.fromStack(stack).hasWarning(
    '/Test/Proxy',
    Match.stringLikeRegexp('uses mTLS \\(strict\\).*/etc/trellis/tls'),
  );
});

test('a mesh declared in TypeScript and the same mesh loaded from YAML are the same model', () => {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1 });
  const fromFile = new Mesh(stack, 'FromFile', { definition: MeshDefinition.fromFile(EXAMPLE_MESH), vpc });
  // Mesh-wide settings come with a definition; services and gateways are added in TypeScript.
  const typed = new Mesh(stack, 'Typed', {
    definition: MeshDefinition.fromSpec({ name: 'shop', egress: 'DROP_ALL', tracing: { xray: {} }, services: {} }),
    vpc,
    namespaceName: 'shop.local',
  });
  const http = (path = '/') => [{ port: 80, protocol: 'http' as const, healthCheck: { path } }];
  const catalog = typed.addService('catalog');
  catalog.addVersion('v1', { listeners: http() });
  catalog.addVersion('v2', { listeners: http() });
  catalog.addRoute({
    name: 'canary',
    targets: [
      { version: 'v1', weight: 90 },
      { version: 'v2', weight: 10 },
    ],
    retryPolicy: { maxRetries: 2, perRetryTimeout: '2s', httpRetryEvents: ['server-error', 'gateway-error'] },
  });
  const reviews = typed.addService('reviews');
  reviews.addVersion('v1', { listeners: http() });
  typed.addService('frontend').addVersion('v1', { listeners: http(), backends: [catalog, reviews] });
  typed
    .addGateway('ingress', { listeners: [{ port: 8080, protocol: 'http', healthCheck: { path: '/' } }] })
    .addGatewayRoute({ name: 'web', match: { path: { prefix: '/' } }, target: { service: 'frontend' } });

  const a = validateMesh(fromFile.toSpec());
  const b = validateMesh(typed.toSpec());
  expect(a.problems).toEqual([]);
  expect(b.problems).toEqual([]);
  // Same snapshots, version hashes included: the compiler cannot tell them apart.
  const endpoints = { 'catalog/v1': [{ address: '10.0.0.1', port: 15000 }] };
  const snapshotsA = compile(a.model!, endpoints).snapshots;
  const snapshotsB = compile(b.model!, endpoints).snapshots;
  expect(Object.keys(snapshotsB).sort()).toEqual(Object.keys(snapshotsA).sort());
  for (const proxy of Object.keys(snapshotsA)) expect(snapshotsB[proxy].version).toBe(snapshotsA[proxy].version);
});
