/**
 * Puts a task in the mesh: the proxy container (a service version's sidecar, or a gateway), the
 * X-Ray daemon beside it, the application starting only once the proxy is HEALTHY and sending
 * its outbound HTTP through the proxy's egress listener (`HTTP_PROXY`), and a task role that may
 * read this proxy's snapshots and nothing else. Works for Fargate and EC2 task definitions in
 * `awsvpc` mode; `cloudMapOptions()` registers the task in Cloud Map through ECS service
 * discovery, pointing callers at the proxy's ingress port.
 */
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { proxyMetricsNamespace } from '../aws/metric-names';
import { s3Bootstrap } from '../aws/proxy-bootstrap';
import { DEFAULT_EGRESS_PORT } from '../compiler/placement';
import { DEFAULT_TLS_DIRECTORY } from '../compiler/secrets';
import { acknowledgeAwsSolutions, bucketObjectsFinding } from './acknowledge';
import { type IMesh, Mesh } from './mesh';
import { ProxyImage } from './proxy-image';
import type { IProxyTarget } from './proxy-target';
import { snapshotPrefixOf } from './proxy-target';

/** The X-Ray daemon's image in Amazon ECR Public (the one AWS's ECS examples use). */
export const XRAY_DAEMON_IMAGE = 'public.ecr.aws/xray/aws-xray-daemon:3.x';
const XRAY_DAEMON_PORT = 2000;
/** Addresses never sent through the proxy: loopback, instance metadata and the ECS credentials endpoint. */
const NO_PROXY = 'localhost,127.0.0.1,::1,169.254.169.254,169.254.170.2';
/** The image's HEALTHCHECK, which ECS does not read from the image: `/ready` on the admin address. */
const READY_CHECK =
  "const a=require('fs').readFileSync(process.env.TRELLIS_ADMIN_ADDRESS_PATH,'utf8').trim();" +
  "fetch('http://'+a+'/ready').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))";

export interface MeshProxyProps {
  readonly mesh: IMesh;
  readonly taskDefinition: ecs.TaskDefinition;
  /** The service version (sidecar) or gateway this proxy is. */
  readonly proxy: IProxyTarget;
  /**
   * The application a sidecar fronts: it starts once the proxy is HEALTHY, and its outbound
   * HTTP goes through the proxy. @default - none (a gateway's task runs only the proxy)
   */
  readonly applicationContainer?: ecs.ContainerDefinition;
  /** @default ProxyImage.fromAsset() */
  readonly image?: ProxyImage;
  /** Runs the X-Ray daemon in the task and lets the task send traces. @default true */
  readonly xray?: boolean;
  /** @default - awslogs to a new log group kept one month */
  readonly logging?: ecs.LogDriver;
  /** @default 128 */
  readonly cpu?: number;
  /** @default 256 */
  readonly memoryLimitMiB?: number;
  /** How often the proxy polls its snapshot pointer in S3. @default Duration.seconds(5) */
  readonly pollInterval?: Duration;
  /** trace, debug, info, warning, error, critical or off. @default 'info' */
  readonly logLevel?: string;
  /**
   * How often the proxy writes its request metrics (EMF on stdout, in the `Trellis/Proxy/<mesh>`
   * namespace; nothing is written for an interval without requests). `Duration.seconds(0)` turns
   * them off. @default Duration.minutes(1)
   */
  readonly metricsInterval?: Duration;
}

export class MeshProxy extends Construct {
  public readonly container: ecs.ContainerDefinition;
  public readonly xrayContainer?: ecs.ContainerDefinition;
  public readonly proxy: IProxyTarget;
  private readonly mesh: IMesh;

  constructor(scope: Construct, id: string, props: MeshProxyProps) {
    super(scope, id);
    const { taskDefinition: task, proxy, mesh } = props;
    this.proxy = proxy;
    this.mesh = mesh;
    if (task.networkMode !== ecs.NetworkMode.AWS_VPC) {
      throw new Error(
        `task definition ${task.node.path}: network mode is ${task.networkMode}; the proxy shares localhost with its application, so it must be awsvpc`,
      );
    }
    if (proxy.kind === 'gateway' && props.applicationContainer) {
      throw new Error(`gateway ${proxy.proxyName} runs alone in its task: applicationContainer is for sidecars`);
    }
    const poll = props.pollInterval ?? Duration.seconds(5);
    if (!poll.isUnresolved() && poll.toMilliseconds() < 1000) {
      throw new Error(`pollInterval must be at least one second, got ${poll.toHumanString()}`);
    }
    const xray = props.xray ?? true;
    const metricsSeconds = (props.metricsInterval ?? Duration.minutes(1)).toSeconds();
    const stack = Stack.of(this);
    const bootstrap = s3Bootstrap({
      proxy: proxy.proxyName,
      bucket: mesh.bucket.bucketName,
      // Only the task itself reaches the admin API (health check, agents): it can drain the proxy.
      adminAddress: '127.0.0.1',
      adminPort: 9901,
      pollSeconds: poll.toSeconds(),
      query: { region: stack.region },
    });
    const logging =
      props.logging ??
      ecs.LogDrivers.awsLogs({
        streamPrefix: 'trellis-proxy',
        logGroup: new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH }),
      });

    this.container = task.addContainer('Proxy', {
      containerName: 'trellis-proxy',
      image: (props.image ?? ProxyImage.fromAsset()).bind(this),
      essential: true,
      // The image's user, as App Mesh's Envoy: kept out of any traffic redirection.
      user: '1337',
      cpu: props.cpu ?? 128,
      memoryLimitMiB: props.memoryLimitMiB ?? 256,
      environment: {
        TRELLIS_CONFIG_YAML: stack.toJsonString(bootstrap),
        ENVOY_LOG_LEVEL: props.logLevel ?? 'info',
        ...(metricsSeconds > 0
          ? {
              TRELLIS_EMF_INTERVAL_S: String(metricsSeconds),
              TRELLIS_EMF_NAMESPACE: proxyMetricsNamespace(mesh.meshName),
            }
          : {}),
        ...(xray ? { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${XRAY_DAEMON_PORT}` } : {}),
      },
      portMappings: proxy.proxyPorts.map((port) => ({ containerPort: port, protocol: ecs.Protocol.TCP })),
      healthCheck: {
        command: ['CMD', '/usr/local/bin/node', '-e', READY_CHECK],
        interval: Duration.seconds(5),
        timeout: Duration.seconds(2),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
      // The proxy drains for 20 s on SIGTERM; ECS kills at stopTimeout.
      stopTimeout: Duration.seconds(30),
      readonlyRootFilesystem: false,
      logging,
    });
    mesh.grantReadSnapshots(task.taskRole, proxy);
    // Tasks start after the first compile published their snapshot, so they become ready at once.
    if (mesh instanceof Mesh) {
      task.node.addDependency(mesh.deployment);
      const mtls = mesh.toSpec().mtls?.mode;
      // With a Private CA the controller puts the certificate in the snapshot; without one, nobody does.
      if (mtls && mtls !== 'disabled' && !mesh.certificateAuthorityArn) {
        Annotations.of(this).addWarningV2(
          'trellis:mtlsCertificates',
          `mesh ${mesh.meshName} uses mTLS (${mtls}) with no certificateAuthority: the proxy reads cert.pem, key.pem and ca.pem from ${DEFAULT_TLS_DIRECTORY}, which MeshProxy does not provision; give the Mesh a certificateAuthority (AWS Private CA) or mount them into the trellis-proxy container`,
        );
      }
    }
    const ownSnapshots = bucketObjectsFinding(mesh.bucket, `${snapshotPrefixOf(proxy)}*`);
    if (ownSnapshots) {
      acknowledgeAwsSolutions(
        task.taskRole,
        `AwsSolutions-IAM5[${ownSnapshots}]`,
        'The proxy reads its own snapshots only: content-addressed versions under its own prefix, created at run time',
      );
    }
    acknowledgeAwsSolutions(
      task,
      'AwsSolutions-ECS2',
      "The proxy's bootstrap and the application's HTTP_PROXY are configuration, not secrets",
    );
    if (task.executionRole) {
      acknowledgeAwsSolutions(
        task.executionRole,
        'AwsSolutions-IAM5[Resource::*]',
        'ecr:GetAuthorizationToken, needed to pull the proxy image, takes no resource ARN',
      );
    }

    if (xray) {
      this.xrayContainer = task.addContainer('XRayDaemon', {
        containerName: 'xray-daemon',
        image: ecs.ContainerImage.fromRegistry(XRAY_DAEMON_IMAGE),
        essential: false,
        user: '1337',
        cpu: 32,
        memoryReservationMiB: 64,
        portMappings: [{ containerPort: XRAY_DAEMON_PORT, protocol: ecs.Protocol.UDP }],
        logging,
      });
      task.taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          // X-Ray's write and sampling APIs take no resource ARNs.
          actions: [
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
            'xray:GetSamplingStatisticSummaries',
          ],
          resources: ['*'],
        }),
      );
      acknowledgeAwsSolutions(
        task.taskRole,
        'AwsSolutions-IAM5[Resource::*]',
        "X-Ray's trace and sampling APIs take no resource ARN",
      );
    }

    const app = props.applicationContainer;
    if (app) {
      app.addContainerDependencies({ container: this.container, condition: ecs.ContainerDependencyCondition.HEALTHY });
      const egress = `http://127.0.0.1:${DEFAULT_EGRESS_PORT}`;
      app.addEnvironment('HTTP_PROXY', egress);
      app.addEnvironment('http_proxy', egress);
      app.addEnvironment('NO_PROXY', NO_PROXY);
      app.addEnvironment('no_proxy', NO_PROXY);
      if (xray) app.addEnvironment('AWS_XRAY_DAEMON_ADDRESS', `127.0.0.1:${XRAY_DAEMON_PORT}`);
    }
  }

  /**
   * For `FargateService`/`Ec2Service` `cloudMapOptions`: registers each task in the version's
   * Cloud Map service with an SRV record naming the proxy's ingress port, which is where the
   * controller sends callers (`AWS_INSTANCE_PORT`).
   */
  public cloudMapOptions(): ecs.CloudMapOptions {
    if (this.proxy.kind !== 'sidecar' || !this.proxy.cloudMapServiceName) {
      throw new Error(
        `${this.proxy.proxyName} is a gateway: gateways are reached through a load balancer, not Cloud Map`,
      );
    }
    if (this.mesh.namespace.type === servicediscovery.NamespaceType.HTTP) {
      throw new Error(
        `mesh ${this.mesh.meshName}: namespace ${this.mesh.namespace.namespaceName} is an HTTP namespace; ECS service discovery needs a DNS namespace (give the Mesh a vpc)`,
      );
    }
    return {
      cloudMapNamespace: this.mesh.namespace,
      name: this.proxy.cloudMapServiceName,
      dnsRecordType: servicediscovery.DnsRecordType.SRV,
      dnsTtl: Duration.seconds(10),
      container: this.container,
      containerPort: this.proxy.proxyPorts[0],
    };
  }
}
