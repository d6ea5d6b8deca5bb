/**
 * The `Mesh` construct and `MeshProxy` as CloudFormation: the namespace, the snapshot bucket's
 * settings, the controller with its triggers, dead-letter queue and least-privilege role, the
 * deploy custom resource carrying the definition, the dashboard and alarms, and a Fargate task
 * in the mesh (sidecars, start ordering, Cloud Map registration, a task role that reads only
 * its own proxy's snapshots). One synthesis for the file; bundling is skipped here (the example
 * app's `cdk synth` test bundles for real).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DEPLOYMENT_PROPERTIES } from '../../lib/aws/controller-environment';
import { METRIC } from '../../lib/aws/metric-names';
import { Mesh, MeshProxy, ProxyImage } from '../../lib/cdk';
import { compile } from '../../lib/compiler/compile';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { actionsOf, type Cfn, cfnText, logicalId, resourcesOf, statementsOfRole } from './template-values';

const TEST_IMAGE = ProxyImage.fromContainerImage(
  ecs.ContainerImage.fromRegistry('registry.example/trellis-proxy:test'),
);

let stack: Stack;
let template: Template;
let mesh: Mesh;
let task: ecs.FargateTaskDefinition;
let gatewayTask: ecs.FargateTaskDefinition;

beforeAll(() => {
  // GIVEN a stack with no account or region, a VPC and a cluster
  const app = new App({ outdir: tempDir('trellis-cdk-'), context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new Stack(app, 'Shop');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 2 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });

  // WHEN a mesh is declared in TypeScript and one version runs on Fargate
  mesh = new Mesh(stack, 'Mesh', { meshName: 'shop', vpc, clusters: [cluster] });
  const catalog = mesh.addService('catalog');
  const listeners = [{ port: 3000, protocol: 'http' as const, healthCheck: { path: '/health' } }];
  const v1 = catalog.addVersion('v1', { listeners });
  catalog.addVersion('v2', { listeners });
  catalog.addRoute({
    name: 'canary',
    targets: [
      { version: 'v1', weight: 90 },
      { version: 'v2', weight: 10 },
    ],
  });
  mesh.addService('frontend').addVersion('v1', { listeners: [{ port: 8080, protocol: 'http' }], backends: [catalog] });
  const ingress = mesh.addGateway('ingress', { listeners: [{ port: 8080, protocol: 'http' }] });
  ingress.addGatewayRoute({ name: 'web', match: { path: { prefix: '/' } }, target: { service: 'frontend' } });

  task = new ecs.FargateTaskDefinition(stack, 'CatalogV1Task');
  const appContainer = task.addContainer('app', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27-alpine'),
    portMappings: [{ containerPort: 3000 }],
  });
  const proxy = new MeshProxy(stack, 'CatalogV1Proxy', {
    mesh,
    taskDefinition: task,
    proxy: v1,
    applicationContainer: appContainer,
    image: TEST_IMAGE,
  });
  new ecs.FargateService(stack, 'CatalogV1', {
    cluster,
    taskDefinition: task,
    cloudMapOptions: proxy.cloudMapOptions(),
  });

  gatewayTask = new ecs.FargateTaskDefinition(stack, 'IngressTask');
  new MeshProxy(stack, 'IngressProxy', {
    mesh,
    taskDefinition: gatewayTask,
    proxy: ingress,
    image: TEST_IMAGE,
    xray: false,
  });
  template = Template.fromStack(stack);
  // A synthesis takes seconds, more on a loaded machine.
}, 180_000);

afterAll(removeTempDirs);

test('the stack is environment-agnostic', () => {
  expect(stack.environment).toBe('aws://unknown-account/unknown-region');
});

test('a private DNS namespace named after the mesh', () => {
  template.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', { Name: 'shop.local' });
});

test('the snapshot bucket is encrypted, versioned, private and TLS-only, and outlives the stack', () => {
  template.hasResource('AWS::S3::Bucket', {
    Properties: {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    },
    DeletionPolicy: 'Retain',
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    },
  });
});

test('the compile controller: Node.js on arm64, traced, told its bucket and mesh, failures to a dead-letter queue', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    Handler: 'index.handler',
    TracingConfig: { Mode: 'Active' },
    Environment: {
      Variables: Match.objectLike({
        TRELLIS_SNAPSHOT_BUCKET: { Ref: logicalId(mesh.bucket) },
        TRELLIS_MESH_NAME: 'shop',
        TRELLIS_ENVOY_PROTO_DIR: '/var/task/proto',
      }),
    },
  });
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    MaximumRetryAttempts: 2,
    DestinationConfig: {
      OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(mesh.controller.deadLetterQueue), 'Arn'] } },
    },
  });
  template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
});

test('EventBridge: ECS task state changes of the mesh cluster, and a schedule, both with a dead-letter queue', () => {
  const dlq = { Arn: { 'Fn::GetAtt': [logicalId(mesh.controller.deadLetterQueue), 'Arn'] } };
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        lastStatus: ['RUNNING', 'DEACTIVATING', 'STOPPED'],
        clusterArn: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'Arn'] }],
      },
    },
    Targets: [Match.objectLike({ DeadLetterConfig: dlq, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 4 }) })],
  });
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(5 minutes)',
    Targets: [Match.objectLike({ DeadLetterConfig: dlq })],
  });
});

test('the controller role: its store keys, discovery limited to the namespace, nothing else', () => {
  const statements = statementsOfRole(template, logicalId(mesh.controller.function.role!));
  const bucket = `\${${logicalId(mesh.bucket)}.Arn}`;
  const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
  expect(s3.flatMap(resourcesOf).sort()).toEqual(
    [`${bucket}`, `${bucket}/mesh/definition.json`, `${bucket}/mesh/published.json`, `${bucket}/snapshots/*`].sort(),
  );
  expect(s3.flatMap(actionsOf)).not.toContain('s3:*');
  const discovery = statements.find((s) => actionsOf(s).includes('servicediscovery:DiscoverInstances'))!;
  expect(actionsOf(discovery).sort()).toEqual([
    'servicediscovery:DiscoverInstances',
    'servicediscovery:DiscoverInstancesRevision',
  ]);
  expect(discovery.Condition).toEqual({ StringEquals: { 'servicediscovery:NamespaceName': 'shop.local' } });
  // Logs to its own group only (no AWSLambdaBasicExecutionRole).
  const role = template.findResources('AWS::IAM::Role')[logicalId(mesh.controller.function.role!)] as {
    Properties: Cfn;
  };
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
});

test('the deploy custom resource carries the definition as the model, with Cloud Map discovery per version', () => {
  const resources = template.findResources('Custom::TrellisMeshDeployment') as Record<
    string,
    { Properties: Cfn; DependsOn?: string[] }
  >;
  const [deployment] = Object.values(resources);
  expect(cfnText(deployment.Properties.ServiceToken)).toBe(`\${${logicalId(mesh.controller.function)}.Arn}`);
  expect(deployment.Properties[DEPLOYMENT_PROPERTIES.allowDestructiveUpdates]).toBe('false');
  // Deployed only once the controller may read Cloud Map and write S3.
  expect(deployment.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^MeshControllerServiceRole/)]));
  const definition = JSON.parse(cfnText(deployment.Properties[DEPLOYMENT_PROPERTIES.definition]));
  expect(definition.services.catalog.versions.v1.discovery).toEqual({
    cloudMap: { namespace: 'shop.local', service: 'catalog-v1', attributes: {} },
  });
  const { model, problems } = validateMesh(definition);
  expect(problems).toEqual([]);
  expect(Object.keys(compile(model!).snapshots).sort()).toEqual(['catalog/v1', 'catalog/v2', 'frontend/v1', 'ingress']);
});

test('the dashboard graphs the controller metrics and the alarms watch failures', () => {
  const dashboards = template.findResources('AWS::CloudWatch::Dashboard') as Record<string, { Properties: Cfn }>;
  const body = cfnText(Object.values(dashboards)[0].Properties.DashboardBody);
  expect(body).toContain(`MetricName=\\"${METRIC.healthyEndpoints}\\" Mesh=\\"shop\\"`);
  expect(body).toContain(METRIC.snapshotAge);
  expect(body).toContain('{Trellis/Proxy/shop,DiscoveryName,TargetDiscoveryName} MetricName=\\"RequestCount\\"');
  expect(Object.values(dashboards)[0].Properties.DashboardName).toBe('trellis-shop');
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'Trellis',
    MetricName: METRIC.compileErrors,
    Dimensions: [{ Name: 'Mesh', Value: 'shop' }],
    Threshold: 1,
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Namespace: 'AWS/SQS',
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda' });
  // Proxies write SnapshotSyncAge only while they cannot read S3.
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'Trellis/Proxy/shop',
    MetricName: 'SnapshotSyncAge',
    Statistic: 'Maximum',
    Threshold: 120,
    TreatMissingData: 'notBreaching',
  });
  template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
});

describe('a Fargate task in the mesh', () => {
  function containers(t: ecs.TaskDefinition): Cfn[] {
    const defs = template.findResources('AWS::ECS::TaskDefinition') as Record<string, { Properties: Cfn }>;
    return defs[logicalId(t)].Properties.ContainerDefinitions as Cfn[];
  }
  const named = (list: Cfn[], name: string) => list.find((c) => c.Name === name)!;
  const env = (c: Cfn) =>
    Object.fromEntries((c.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));

  test('the application starts once the proxy is HEALTHY and sends its outbound HTTP through it', () => {
    const app = named(containers(task), 'app');
    expect(app.DependsOn).toEqual([{ ContainerName: 'trellis-proxy', Condition: 'HEALTHY' }]);
    expect(env(app)).toMatchObject({
      HTTP_PROXY: 'http://127.0.0.1:15001',
      NO_PROXY: expect.stringContaining('169.254.170.2'),
      AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    });
  });

  test('the proxy: UID 1337, a health check, the ingress port, and a bootstrap naming its snapshots', () => {
    const proxy = named(containers(task), 'trellis-proxy');
    expect(proxy).toMatchObject({
      Essential: true,
      User: '1337',
      PortMappings: [{ ContainerPort: 15000, Protocol: 'tcp' }],
      HealthCheck: { Command: ['CMD', '/usr/local/bin/node', '-e', expect.stringContaining('/ready')] },
    });
    // Request metrics as EMF on stdout, in the mesh's own namespace.
    expect(env(proxy)).toMatchObject({ TRELLIS_EMF_INTERVAL_S: '60', TRELLIS_EMF_NAMESPACE: 'Trellis/Proxy/shop' });
    const bootstrap = JSON.parse(cfnText(env(proxy).TRELLIS_CONFIG_YAML));
    expect(bootstrap.node.id).toBe('catalog/v1');
    expect(bootstrap.admin.address.socket_address.address).toBe('127.0.0.1');
    expect(bootstrap.dynamic_resources.ads_config.grpc_services[0].google_grpc.target_uri).toBe(
      `s3://\${${logicalId(mesh.bucket)}}?region=\${AWS::Region}`,
    );
  });

  test('the X-Ray daemon runs beside it, and the task may send traces', () => {
    const xray = named(containers(task), 'xray-daemon');
    expect(xray).toMatchObject({ Essential: false, PortMappings: [{ ContainerPort: 2000, Protocol: 'udp' }] });
    const statements = statementsOfRole(template, logicalId(task.taskRole));
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['xray:PutTraceSegments']));
  });

  test('the task role reads only this proxy’s snapshots', () => {
    const statements = statementsOfRole(template, logicalId(task.taskRole));
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(actionsOf)).toEqual(['s3:GetObject']);
    expect(s3.flatMap(resourcesOf)).toEqual([`\${${logicalId(mesh.bucket)}.Arn}/snapshots/sidecars/catalog/v1/*`]);
    const gateway = statementsOfRole(template, logicalId(gatewayTask.taskRole));
    expect(gateway.flatMap(resourcesOf)).toEqual([`\${${logicalId(mesh.bucket)}.Arn}/snapshots/gateways/ingress/*`]);
  });

  test('ECS registers each task in the version’s Cloud Map service, with an SRV record on the proxy port', () => {
    template.hasResourceProperties('AWS::ServiceDiscovery::Service', {
      Name: 'catalog-v1',
      DnsConfig: Match.objectLike({ DnsRecords: [{ Type: 'SRV', TTL: 10 }] }),
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      ServiceRegistries: [Match.objectLike({ ContainerName: 'trellis-proxy', ContainerPort: 15000 })],
    });
  });

  test('tasks are created after the deploy published their snapshots', () => {
    const defs = template.findResources('AWS::ECS::TaskDefinition') as Record<string, { DependsOn?: string[] }>;
    for (const t of [task, gatewayTask]) {
      expect(defs[logicalId(t)].DependsOn).toEqual(expect.arrayContaining([logicalId(mesh.deployment.resource)]));
    }
  });

  test('a gateway task runs the proxy alone, on its listener ports', () => {
    const list = containers(gatewayTask);
    expect(list.map((c) => c.Name)).toEqual(['trellis-proxy']);
    expect(list[0].PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
  });
});
