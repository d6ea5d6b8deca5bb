/**
 * The compile controller (lambdas/compile) and what wakes it: every ECS task state change of
 * the mesh's clusters (EventBridge), a periodic full resync (EventBridge schedule) and each
 * deploy (the `MeshDeployment` custom resource). Runs that fail after Lambda's retries, and
 * events EventBridge could not deliver, land in a dead-letter queue that raises an alarm.
 */
import { join } from 'node:path';
import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTROLLER_ENV } from '../aws/controller-environment';
import { PASSTHROUGH_TEMPLATE } from '../aws/private-ca-template';
import { DEFINITION_KEY, IDENTITIES_PREFIX, RECORD_KEY, SNAPSHOTS_PREFIX } from '../snapshot-store/keys';
import { acknowledgeAwsSolutions, bucketObjectsFinding } from './acknowledge';

const REPO_ROOT = join(__dirname, '..', '..');

export interface CompileControllerProps {
  readonly meshName: string;
  readonly bucket: s3.IBucket;
  readonly namespace: servicediscovery.INamespace;
  /** Task state changes of these clusters trigger a compile. @default - every cluster in the account and region */
  readonly clusters?: readonly ecs.ICluster[];
  /** @default Duration.minutes(5) */
  readonly resyncInterval?: Duration;
  /** The deletion guard's share of proxies one update may remove. @default 0.5 */
  readonly maxProxyLoss?: number;
  /** The share of versions that may lose all their endpoints in one update. @default 0.5 */
  readonly maxEndpointLoss?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The AWS Private CA that issues proxies' mTLS certificates (see `MeshProps.certificateAuthority`).
   * @default - none: the controller issues no certificates
   */
  readonly certificateAuthorityArn?: string;
  /** Lifetime of each issued certificate, in whole hours. @default Duration.hours(24) */
  readonly certificateValidity?: Duration;
}

export class CompileController extends Construct {
  public readonly function: NodejsFunction;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly taskStateRule: events.Rule;
  public readonly scheduleRule: events.Rule;
  /** Messages in the dead-letter queue: runs that failed after every retry. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CompileControllerProps) {
    super(scope, id);
    const interval = props.resyncInterval ?? Duration.minutes(5);
    if (!interval.isUnresolved() && interval.toSeconds() < 60) {
      throw new Error(
        `resyncInterval must be at least one minute (EventBridge schedules), got ${interval.toHumanString()}`,
      );
    }
    const validity = props.certificateValidity ?? Duration.hours(24);
    if (props.certificateAuthorityArn) validateCertificateValidity(validity, interval);
    for (const [name, v] of [
      ['maxProxyLoss', props.maxProxyLoss],
      ['maxEndpointLoss', props.maxEndpointLoss],
    ] as const) {
      if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`${name} must be a ratio from 0 to 1, got ${v}`);
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeAwsSolutions(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the controller',
    );

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Trellis compile controller of mesh ${props.meshName}`,
    });
    // Its own log group only (instead of AWSLambdaBasicExecutionRole's logs:* on every group).
    logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, 'lambdas', 'compile', 'index.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.minutes(2),
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      description: `Compiles mesh ${props.meshName} into proxy snapshots`,
      // Async invocations (EventBridge): two retries, then the dead-letter queue.
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.deadLetterQueue),
      environment: {
        [CONTROLLER_ENV.bucket]: props.bucket.bucketName,
        [CONTROLLER_ENV.mesh]: props.meshName,
        ...(props.maxProxyLoss !== undefined ? { [CONTROLLER_ENV.maxProxyLoss]: String(props.maxProxyLoss) } : {}),
        ...(props.maxEndpointLoss !== undefined
          ? { [CONTROLLER_ENV.maxEndpointLoss]: String(props.maxEndpointLoss) }
          : {}),
        ...(props.certificateAuthorityArn
          ? {
              [CONTROLLER_ENV.certificateAuthorityArn]: props.certificateAuthorityArn,
              [CONTROLLER_ENV.certificateValidityHours]: String(validity.toHours()),
            }
          : {}),
        // The snapshot validator reads Envoy's .proto files copied beside the bundle.
        TRELLIS_ENVOY_PROTO_DIR: '/var/task/proto',
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'trellis-controller',
        POWERTOOLS_METRICS_NAMESPACE: 'Trellis',
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node24',
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies still call require(); ESM has none without this.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // The Lambda runtime provides AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
        // esbuild from node_modules: bundling works offline, without Docker.
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp -R "${inputDir}/node_modules/@grpc/grpc-js-xds/deps" "${outputDir}/proto"`,
            `mkdir -p "${outputDir}/proto/google/protobuf"`,
            `cp "${inputDir}/node_modules/protobufjs/google/protobuf/descriptor.proto" "${outputDir}/proto/google/protobuf/"`,
          ],
        },
      },
    });

    this.grantStore(props.bucket, role);
    // DiscoverInstances has no resource ARN; the condition keeps it to the mesh's namespace.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['servicediscovery:DiscoverInstances', 'servicediscovery:DiscoverInstancesRevision'],
        resources: ['*'],
        conditions: { StringEquals: { 'servicediscovery:NamespaceName': props.namespace.namespaceName } },
      }),
    );

    acknowledgeAwsSolutions(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'servicediscovery:DiscoverInstances(Revision) take no resource ARN; the statement is limited to the mesh namespace by the servicediscovery:NamespaceName condition',
    );
    const snapshots = bucketObjectsFinding(props.bucket, `${SNAPSHOTS_PREFIX}*`);
    if (snapshots) {
      acknowledgeAwsSolutions(
        role,
        `AwsSolutions-IAM5[${snapshots}]`,
        'The controller writes content-addressed snapshot versions, created at run time, under the snapshots/ prefix only',
      );
    }

    if (props.certificateAuthorityArn) this.grantCertificates(props.certificateAuthorityArn, props.bucket, role);

    const ecsEvent: events.EventPattern = {
      source: ['aws.ecs'],
      detailType: ['ECS Task State Change'],
      detail: {
        // Starting and stopping tasks change endpoints; other transitions only repeat them.
        lastStatus: ['RUNNING', 'DEACTIVATING', 'STOPPED'],
        ...(props.clusters?.length ? { clusterArn: props.clusters.map((c) => c.clusterArn) } : {}),
      },
    };
    const target = new targets.LambdaFunction(this.function, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 4,
      maxEventAge: Duration.hours(1),
    });
    this.taskStateRule = new events.Rule(this, 'TaskStateChange', {
      description: `Recompiles mesh ${props.meshName} when ECS tasks start or stop`,
      eventPattern: ecsEvent,
      targets: [target],
    });
    this.scheduleRule = new events.Rule(this, 'Resync', {
      description: `Full resync of mesh ${props.meshName}: repairs dropped events`,
      schedule: events.Schedule.rate(interval),
      targets: [target],
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Trellis mesh ${props.meshName}: controller runs failed after every retry (see the dead-letter queue)`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * Issue certificates from this CA only and only with the passthrough end-entity template (so
   * the role cannot mint CA certificates or other templates' extensions), read them back and the
   * CA's own certificate; keep issued keys under identities/, which no proxy may read.
   */
  private grantCertificates(certificateAuthorityArn: string, bucket: s3.IBucket, role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['acm-pca:IssueCertificate'],
        resources: [certificateAuthorityArn],
        conditions: {
          StringEquals: { 'acm-pca:TemplateArn': `arn:${Aws.PARTITION}:acm-pca:::${PASSTHROUGH_TEMPLATE}` },
        },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['acm-pca:GetCertificate', 'acm-pca:GetCertificateAuthorityCertificate'],
        resources: [certificateAuthorityArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [bucket.arnForObjects(`${IDENTITIES_PREFIX}*`)],
      }),
    );
    const identities = bucketObjectsFinding(bucket, `${IDENTITIES_PREFIX}*`);
    if (identities) {
      acknowledgeAwsSolutions(
        role,
        `AwsSolutions-IAM5[${identities}]`,
        "The controller keeps one issued certificate and key per proxy under the identities/ prefix, named after proxies known only at run time; no proxy's role can read it",
      );
    }
  }

  /** Read and write the definition, the record and the snapshots, nothing else in the bucket. */
  private grantStore(bucket: s3.IBucket, role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [bucket.arnForObjects(DEFINITION_KEY), bucket.arnForObjects(RECORD_KEY)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [bucket.arnForObjects(`${SNAPSHOTS_PREFIX}*`)],
      }),
    );
    // Pruning lists old versions; and without ListBucket a missing key answers 403, not 404.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    // An encrypted bucket brought by the user may use a KMS key.
    bucket.encryptionKey?.grantEncryptDecrypt(role);
  }
}

/**
 * Whole hours (Private CA's validity is set to the second, but renewal arithmetic is in hours),
 * at most 7 days (a short-lived-certificate CA's limit), and long enough that the third left at
 * renewal spans at least two resyncs: one failed run never lets a certificate expire.
 */
function validateCertificateValidity(validity: Duration, resync: Duration): void {
  if (validity.isUnresolved()) return;
  const hours = validity.toHours({ integral: false });
  if (!Number.isInteger(hours) || hours < 1 || hours > 7 * 24) {
    throw new Error(
      `certificateValidity must be whole hours from 1 hour to 7 days (AWS Private CA's short-lived certificate limit), got ${validity.toHumanString()}`,
    );
  }
  if (!resync.isUnresolved() && validity.toSeconds() / 3 < 2 * resync.toSeconds()) {
    throw new Error(
      `certificateValidity ${validity.toHumanString()} is too short for resyncInterval ${resync.toHumanString()}: certificates are renewed with a third of their life left, which must span at least two resyncs`,
    );
  }
}
