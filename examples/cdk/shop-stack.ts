/**
 * The example app's stack: the shop mesh (mesh.yaml) on Fargate. One VPC without NAT gateways
 * (tasks in public subnets with public IPs, reachable only from inside the VPC; S3 through a
 * gateway endpoint), one ECS cluster, the Trellis `Mesh`, one Fargate service per version with
 * the proxy sidecar, and the ingress gateway behind a public Application Load Balancer.
 */
import { join } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Mesh, MeshDefinition, MeshProxy, type ProxyImage } from '../../lib/cdk';

/** The stand-in application every version runs: replace it with your own image. */
export const APP_IMAGE = 'public.ecr.aws/nginx/nginx:1.27-alpine';

export interface ShopStackProps extends StackProps {
  /** @default - built from proxy-image/ */
  readonly proxyImage?: ProxyImage;
  /** @default 1 */
  readonly desiredCount?: number;
}

export class ShopStack extends Stack {
  public readonly mesh: Mesh;
  public readonly services: Record<string, ecs.FargateService> = {};

  constructor(scope: Construct, id: string, props: ShopStackProps = {}) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_WEEK }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.mesh = new Mesh(this, 'Mesh', {
      definition: MeshDefinition.fromFile(join(__dirname, 'mesh.yaml')),
      vpc,
      clusters: [cluster],
    });

    // Tasks take traffic from inside the VPC only: callers' proxies and the load balancer.
    const tasks = new ec2.SecurityGroup(this, 'Tasks', { vpc, description: 'Trellis mesh tasks' });
    tasks.addIngressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcpRange(8080, 8080), 'gateway listener');
    tasks.addIngressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(15000), 'proxy ingress');

    Validations.of(tasks).acknowledge({
      id: 'AwsSolutions::AwsSolutions-EC23',
      reason: 'Inbound only from the VPC CIDR (a token cdk-nag cannot read), on the proxy and gateway ports',
    });

    const spec = this.mesh.toSpec();
    for (const [serviceName, service] of Object.entries(spec.services)) {
      for (const versionName of Object.keys(service.versions)) {
        const version = this.mesh.serviceVersion(serviceName, versionName);
        const id = `${serviceName}-${versionName}`;
        const task = new ecs.FargateTaskDefinition(this, `${id}-Task`, {
          cpu: 512,
          memoryLimitMiB: 1024,
          runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64 },
        });
        const app = task.addContainer('app', {
          image: ecs.ContainerImage.fromRegistry(APP_IMAGE),
          essential: true,
          portMappings: [{ containerPort: 80 }],
          logging: ecs.LogDrivers.awsLogs({
            streamPrefix: id,
            logGroup: new logs.LogGroup(this, `${id}-Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
          }),
        });
        const proxy = new MeshProxy(this, `${id}-Proxy`, {
          mesh: this.mesh,
          taskDefinition: task,
          proxy: version,
          applicationContainer: app,
          image: props.proxyImage,
        });
        this.services[id] = new ecs.FargateService(this, `${id}-Service`, {
          cluster,
          taskDefinition: task,
          desiredCount: props.desiredCount ?? 1,
          assignPublicIp: true,
          securityGroups: [tasks],
          cloudMapOptions: proxy.cloudMapOptions(),
          circuitBreaker: { rollback: true },
          minHealthyPercent: 100,
        });
      }
    }

    const gatewayTask = new ecs.FargateTaskDefinition(this, 'ingress-Task', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64 },
    });
    new MeshProxy(this, 'ingress-Proxy', {
      mesh: this.mesh,
      taskDefinition: gatewayTask,
      proxy: this.mesh.gateway('ingress'),
      image: props.proxyImage,
      memoryLimitMiB: 512,
    });
    const gateway = new ecs.FargateService(this, 'ingress-Service', {
      cluster,
      taskDefinition: gatewayTask,
      desiredCount: props.desiredCount ?? 1,
      assignPublicIp: true,
      securityGroups: [tasks],
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
    });
    this.services.ingress = gateway;

    const lb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', { vpc, internetFacing: true });
    const listener = lb.addListener('Http', { port: 80, open: true });
    listener.addTargets('Gateway', {
      port: 8080,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [gateway.loadBalancerTarget({ containerName: 'trellis-proxy', containerPort: 8080 })],
      healthCheck: { path: '/', healthyHttpCodes: '200-499', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(20),
    });
    new CfnOutput(this, 'Url', { value: `http://${lb.loadBalancerDnsName}/` });
    new CfnOutput(this, 'Dashboard', { value: this.mesh.dashboard.dashboard.dashboardName });

    Validations.of(lb).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ELB2',
      reason: 'Example app: access logs need a log bucket of their own; enable them for production',
    });
    Validations.of(lb).acknowledge({
      id: 'AwsSolutions::AwsSolutions-EC23',
      reason: 'The load balancer is the public entrance of the example mesh, on port 80',
    });
  }
}
