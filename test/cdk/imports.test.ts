/**
 * A mesh deployed by another stack: `Mesh.fromMeshAttributes` with an imported bucket and
 * namespace, and versions and gateways named by attributes, are enough to put a task in the mesh
 * with the same least-privilege grant.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Mesh, MeshGateway, MeshProxy, ProxyImage, ServiceVersion } from '../../lib/cdk';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { actionsOf, cfnText, logicalId, resourcesOf, statementsOfRole } from './template-values';

afterAll(removeTempDirs);

test('a task joins a mesh of another stack with a grant on its own prefix only', () => {
  // GIVEN a mesh known by its attributes
  const app = new App({ outdir: tempDir('trellis-cdk-') });
  const stack = new Stack(app, 'Team', { env: { account: '111122223333', region: 'eu-west-1' } });
  const mesh = Mesh.fromMeshAttributes(stack, 'Mesh', {
    meshName: 'shop',
    bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'shop-snapshots'),
    namespace: servicediscovery.PrivateDnsNamespace.fromPrivateDnsNamespaceAttributes(stack, 'Namespace', {
      namespaceName: 'shop.local',
      namespaceId: 'ns-abcdefghijklmnop',
      namespaceArn: 'arn:aws:servicediscovery:eu-west-1:111122223333:namespace/ns-abcdefghijklmnop',
    }),
  });
  const version = ServiceVersion.fromServiceVersionAttributes(stack, 'Reviews', {
    serviceName: 'reviews',
    versionName: 'v2',
    listenerCount: 2,
  });
  const image = ProxyImage.fromContainerImage(ecs.ContainerImage.fromRegistry('registry.example/trellis-proxy:test'));

  // WHEN its task gets the proxy
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  const app1 = task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('registry.example/reviews:2') });
  const proxy = new MeshProxy(stack, 'Proxy', {
    mesh,
    taskDefinition: task,
    proxy: version,
    applicationContainer: app1,
    image,
  });
  const gatewayTask = new ecs.FargateTaskDefinition(stack, 'GatewayTask');
  const gateway = MeshGateway.fromMeshGatewayAttributes(stack, 'Gateway', { gatewayName: 'edge', ports: [8443, 8080] });
  new MeshProxy(stack, 'GatewayProxy', { mesh, taskDefinition: gatewayTask, proxy: gateway, image });

  // THEN it reads only its own snapshots, registers in the version's Cloud Map service, and
  // maps one ingress port per listener
  const template = Template.fromStack(stack);
  const s3Statements = statementsOfRole(template, logicalId(task.taskRole)).filter((s) =>
    actionsOf(s).some((a) => a.startsWith('s3:')),
  );
  expect(s3Statements.flatMap(resourcesOf)).toEqual([
    `arn:\${AWS::Partition}:s3:::shop-snapshots/snapshots/sidecars/reviews/v2/*`,
  ]);
  expect(proxy.cloudMapOptions()).toMatchObject({ name: 'reviews-v2', containerPort: 15000 });
  const defs = template.findResources('AWS::ECS::TaskDefinition') as Record<
    string,
    {
      Properties: {
        ContainerDefinitions: {
          Name: string;
          PortMappings?: unknown[];
          Environment?: { Name: string; Value: unknown }[];
        }[];
      };
    }
  >;
  const sidecar = defs[logicalId(task)].Properties.ContainerDefinitions.find((c) => c.Name === 'trellis-proxy')!;
  expect(sidecar.PortMappings).toEqual([
    { ContainerPort: 15000, Protocol: 'tcp' },
    { ContainerPort: 15002, Protocol: 'tcp' },
  ]);
  const bootstrap = JSON.parse(cfnText(sidecar.Environment!.find((e) => e.Name === 'TRELLIS_CONFIG_YAML')!.Value));
  expect(bootstrap.dynamic_resources.ads_config.grpc_services[0].google_grpc.target_uri).toBe(
    's3://shop-snapshots?region=eu-west-1',
  );
  const edge = defs[logicalId(gatewayTask)].Properties.ContainerDefinitions.find((c) => c.Name === 'trellis-proxy')!;
  expect(edge.PortMappings).toEqual([
    { ContainerPort: 8443, Protocol: 'tcp' },
    { ContainerPort: 8080, Protocol: 'tcp' },
  ]);
  const gatewayS3 = statementsOfRole(template, logicalId(gatewayTask.taskRole))
    .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
    .flatMap(resourcesOf);
  expect(gatewayS3).toEqual([`arn:\${AWS::Partition}:s3:::shop-snapshots/snapshots/gateways/edge/*`]);
});
