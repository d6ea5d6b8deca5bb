/**
 * The mesh: its Cloud Map namespace, the S3 bucket its snapshots are published to, the compile
 * controller with its triggers, a dashboard and alarms, and the definition (from a mesh file,
 * a `MeshSpec`, or `addService`/`addGateway`) deployed through a custom resource. Checked at
 * synthesis with the same validator as `trellis validate`; problems name the path.
 */
import { Annotations, Duration, RemovalPolicy, Resource, Token } from 'aws-cdk-lib';
import type * as acmpca from 'aws-cdk-lib/aws-acmpca';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import type { Construct, IConstruct } from 'constructs';
import { formatProblem } from '../model/problem';
import { validateMesh } from '../model/validate';
import { acknowledgeAwsSolutions } from './acknowledge';
import { CompileController } from './compile-controller';
import { MeshDashboard } from './mesh-dashboard';
import type { MeshDefinition, MeshDefinitionConfig } from './mesh-definition';
import { MeshDeployment } from './mesh-deployment';
import { type IMeshGateway, MeshGateway, type MeshGatewayOptions } from './mesh-gateway';
import { MeshService, type MeshServiceOptions } from './mesh-service';
import { type IProxyTarget, snapshotPrefixOf } from './proxy-target';
import { defaultCloudMapServiceName, type IServiceVersion, ServiceVersion } from './service-version';
import type { MeshSpec, VersionSpec } from './shared-interfaces';

export interface IMesh extends IConstruct {
  /** The mesh's name: the `Mesh` dimension of its metrics. */
  readonly meshName: string;
  /** Where the controller publishes snapshots and proxies read them. */
  readonly bucket: s3.IBucket;
  /** The Cloud Map namespace versions register in. */
  readonly namespace: servicediscovery.INamespace;
  /** Lets `grantee` read the snapshots of one proxy, and nothing else in the bucket. */
  grantReadSnapshots(grantee: iam.IGrantable, proxy: IProxyTarget): iam.Grant;
}

export interface MeshAttributes {
  readonly meshName: string;
  readonly bucket: s3.IBucket;
  readonly namespace: servicediscovery.INamespace;
}

abstract class MeshBase extends Resource implements IMesh {
  public abstract readonly meshName: string;
  public abstract readonly bucket: s3.IBucket;
  public abstract readonly namespace: servicediscovery.INamespace;

  public grantReadSnapshots(grantee: iam.IGrantable, proxy: IProxyTarget): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${snapshotPrefixOf(proxy)}*`)],
    });
    this.bucket.encryptionKey?.grantDecrypt(grantee);
    return grant;
  }
}

export interface MeshProps {
  /** @default - the definition's name; required without a definition */
  readonly meshName?: string;
  /** Services and gateways from a mesh file or a spec; `addService`/`addGateway` add to it. @default - an empty mesh */
  readonly definition?: MeshDefinition;
  /** An existing namespace (new or imported). @default - a private DNS namespace in `vpc`, or an HTTP namespace without one */
  readonly namespace?: servicediscovery.INamespace;
  /** The VPC of the private DNS namespace ECS service discovery needs. @default - no VPC: an HTTP namespace */
  readonly vpc?: ec2.IVpc;
  /** @default `<meshName>.local` */
  readonly namespaceName?: string;
  /** @default - a new bucket: encrypted, versioned, no public access, TLS only */
  readonly bucket?: s3.IBucket;
  /** For the new bucket. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Task state changes of these clusters trigger a compile. @default - every ECS cluster in the account and region */
  readonly clusters?: readonly ecs.ICluster[];
  /** How often the controller recompiles even when no event came. @default Duration.minutes(5) */
  readonly resyncInterval?: Duration;
  /** The deletion guard: the largest share of proxies one update may remove. @default 0.5 */
  readonly maxProxyLoss?: number;
  /** The largest share of versions that may lose all their endpoints in one update. @default 0.5 */
  readonly maxEndpointLoss?: number;
  /** Lets a deploy remove more proxies than `maxProxyLoss`. @default false */
  readonly allowDestructiveUpdates?: boolean;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default `trellis-<meshName>` */
  readonly dashboardName?: string;
  /**
   * The AWS Private CA that issues every proxy's mTLS certificate, as a construct or an ARN. When
   * set and the mesh's mTLS mode is not `disabled`, the compile controller keeps a key pair and a
   * certificate per proxy whose only SAN is its SPIFFE ID (`spiffe://<trust domain>/<service>/<version>`,
   * gateways `spiffe://<trust domain>/<gateway>`), issued with the `EndEntityCertificate_APIPassthrough/V1`
   * template, renewed at two thirds of its life, and delivered inside the proxy's own snapshot
   * (inline SDS Secrets `identity` and `trust-bundle`). A CA in short-lived certificate mode
   * (`usageMode: SHORT_LIVED_CERTIFICATE`) is the cheap choice: certificates of up to 7 days cost
   * a fraction of general-purpose ones, and these are renewed daily anyway.
   * @default - none: each proxy reads cert.pem, key.pem and ca.pem from /etc/trellis/tls, which you provide
   */
  readonly certificateAuthority?: acmpca.ICertificateAuthority | string;
  /**
   * Lifetime of each proxy certificate: whole hours, at most 7 days, and at least six resync intervals.
   * @default Duration.hours(24)
   */
  readonly certificateValidity?: Duration;
}

const CA_ARN = /^arn:[a-z-]+:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[A-Za-z0-9-]+$/;

export class Mesh extends MeshBase {
  /** A mesh deployed by another stack: enough to put services in it and grant reads. */
  public static fromMeshAttributes(scope: Construct, id: string, attrs: MeshAttributes): IMesh {
    class Import extends MeshBase {
      public readonly meshName = attrs.meshName;
      public readonly bucket = attrs.bucket;
      public readonly namespace = attrs.namespace;
    }
    return new Import(scope, id);
  }

  public readonly meshName: string;
  public readonly bucket: s3.IBucket;
  public readonly namespace: servicediscovery.INamespace;
  public readonly controller: CompileController;
  /** The AWS Private CA that issues proxies' certificates, when one was given. */
  public readonly certificateAuthorityArn?: string;
  public readonly deployment: MeshDeployment;
  public readonly dashboard: MeshDashboard;
  /** Every alarm the mesh raises: add actions to them (`alarm.addAlarmAction`). */
  public readonly alarms: cloudwatch.IAlarm[];
  private readonly definition: MeshDefinitionConfig | undefined;
  private readonly services = new Map<string, MeshService>();
  private readonly gateways = new Map<string, MeshGateway>();
  private readonly lookups = new Map<string, IServiceVersion | IMeshGateway>();

  constructor(scope: Construct, id: string, props: MeshProps = {}) {
    super(scope, id);
    this.definition = props.definition?.bind();
    const definedName = this.definition?.spec.name;
    if (props.meshName && definedName && props.meshName !== definedName) {
      throw new Error(`meshName '${props.meshName}' differs from the definition's name '${definedName}'`);
    }
    const meshName = props.meshName ?? definedName;
    if (!meshName) throw new Error('meshName is required when the mesh has no definition');
    this.meshName = meshName;
    if (props.namespace && (props.vpc || props.namespaceName)) {
      throw new Error('give either namespace, or vpc and namespaceName for a new one, not both');
    }

    this.namespace =
      props.namespace ??
      (props.vpc
        ? new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
            name: props.namespaceName ?? `${meshName}.local`,
            vpc: props.vpc,
            description: `Trellis mesh ${meshName}`,
          })
        : new servicediscovery.HttpNamespace(this, 'Namespace', {
            name: props.namespaceName ?? `${meshName}.local`,
            description: `Trellis mesh ${meshName}`,
          }));

    this.bucket =
      props.bucket ??
      new s3.Bucket(this, 'SnapshotBucket', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        // Snapshots are content-addressed and pruned by the controller; old object versions only
        // matter for a short rollback window.
        lifecycleRules: [
          { noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ],
      });
    if (!props.bucket) {
      acknowledgeAwsSolutions(
        this.bucket,
        'AwsSolutions-S1',
        'Only the controller writes and only proxies read this bucket, under IAM policies scoped per prefix; CloudTrail data events are the audit trail if one is needed',
      );
    }

    const ca = props.certificateAuthority;
    this.certificateAuthorityArn = typeof ca === 'string' ? ca : ca?.certificateAuthorityArn;
    if (this.certificateAuthorityArn !== undefined && !Token.isUnresolved(this.certificateAuthorityArn)) {
      if (!CA_ARN.test(this.certificateAuthorityArn)) {
        throw new Error(
          `certificateAuthority must be an AWS Private CA ARN (arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>), got '${this.certificateAuthorityArn}'`,
        );
      }
    }
    if (props.certificateValidity && !ca) {
      throw new Error(
        'certificateValidity applies to certificates from certificateAuthority; give a certificateAuthority',
      );
    }
    const mtlsMode = this.definition?.spec.mtls?.mode ?? 'disabled';
    if (ca && mtlsMode === 'disabled') {
      Annotations.of(this).addWarningV2(
        'trellis:certificateAuthorityUnused',
        `mesh ${meshName} has a certificateAuthority but its mTLS mode is disabled: no certificates are issued until mtls.mode is strict or permissive`,
      );
    }

    this.controller = new CompileController(this, 'Controller', {
      meshName,
      bucket: this.bucket,
      namespace: this.namespace,
      clusters: props.clusters,
      resyncInterval: props.resyncInterval,
      maxProxyLoss: props.maxProxyLoss,
      maxEndpointLoss: props.maxEndpointLoss,
      logRetention: props.logRetention,
      certificateAuthorityArn: this.certificateAuthorityArn,
      certificateValidity: props.certificateValidity,
    });
    this.deployment = new MeshDeployment(this, 'Deployment', {
      controller: this.controller.function,
      definition: () => this.toSpec(),
      allowDestructiveUpdates: props.allowDestructiveUpdates,
    });
    // The deploy must run with the controller's permissions in place.
    this.deployment.node.addDependency(this.controller.function.role!);
    this.dashboard = new MeshDashboard(this, 'Dashboard', {
      meshName,
      controller: this.controller.function,
      deadLetterAlarm: this.controller.deadLetterAlarm,
      dashboardName: props.dashboardName,
    });
    this.alarms = [
      this.controller.deadLetterAlarm,
      this.dashboard.compileErrorsAlarm,
      this.dashboard.controllerErrorsAlarm,
      this.dashboard.proxyOutOfSyncAlarm,
    ];
    this.node.addValidation({ validate: () => this.validateDefinition() });
  }

  /** The compile controller's function. */
  public get controllerFunction(): lambda.IFunction {
    return this.controller.function;
  }

  /** Adds a service (App Mesh's virtual service and router); add versions and routes to it. */
  public addService(serviceName: string, options: MeshServiceOptions = {}): MeshService {
    if (this.services.has(serviceName) || this.definition?.spec.services?.[serviceName]) {
      throw new Error(`mesh ${this.meshName} already has a service named '${serviceName}'`);
    }
    const service = new MeshService(this, `Service-${serviceName}`, { ...options, serviceName });
    this.services.set(serviceName, service);
    return service;
  }

  /** Adds a gateway (App Mesh's virtual gateway); add gateway routes to it. */
  public addGateway(gatewayName: string, options: MeshGatewayOptions): MeshGateway {
    if (this.gateways.has(gatewayName) || this.definition?.spec.gateways?.[gatewayName]) {
      throw new Error(`mesh ${this.meshName} already has a gateway named '${gatewayName}'`);
    }
    const gateway = new MeshGateway(this, `Gateway-${gatewayName}`, { ...options, gatewayName });
    this.gateways.set(gatewayName, gateway);
    return gateway;
  }

  /** A version declared in the definition or with `addService`, to run with `MeshProxy`. */
  public serviceVersion(serviceName: string, versionName: string): IServiceVersion {
    const spec = this.toSpec().services[serviceName]?.versions?.[versionName];
    if (!spec) throw new Error(`mesh ${this.meshName} has no version ${serviceName}/${versionName}`);
    const added = this.services.get(serviceName)?.node.tryFindChild(versionName);
    if (added instanceof ServiceVersion) return added;
    const key = `${serviceName}/${versionName}`;
    let found = this.lookups.get(key) as IServiceVersion | undefined;
    if (!found) {
      found = ServiceVersion.fromServiceVersionAttributes(this, `Version-${serviceName}-${versionName}`, {
        serviceName,
        versionName,
        listenerCount: spec.listeners?.length ?? 1,
        cloudMapServiceName: spec.discovery?.cloudMap?.service,
      });
      this.lookups.set(key, found);
    }
    return found;
  }

  /** A gateway declared in the definition or with `addGateway`. */
  public gateway(gatewayName: string): IMeshGateway {
    const added = this.gateways.get(gatewayName);
    if (added) return added;
    const spec = this.definition?.spec.gateways?.[gatewayName];
    if (!spec) throw new Error(`mesh ${this.meshName} has no gateway named '${gatewayName}'`);
    let found = this.lookups.get(gatewayName) as IMeshGateway | undefined;
    if (!found) {
      found = MeshGateway.fromMeshGatewayAttributes(this, `Gateway-${gatewayName}`, {
        gatewayName,
        ports: spec.listeners.map((l) => l.port),
      });
      this.lookups.set(gatewayName, found);
    }
    return found;
  }

  /**
   * The mesh as a mesh file would hold it: the definition, the added services and gateways,
   * and Cloud Map discovery in this mesh's namespace for every version that names none.
   */
  public toSpec(): MeshSpec {
    const base: MeshSpec = structuredClone(this.definition?.spec ?? { name: this.meshName, services: {} });
    const services = { ...base.services };
    for (const [name, s] of this.services) services[name] = s.toSpec();
    const gateways = { ...(base.gateways ?? {}) };
    for (const [name, g] of this.gateways) gateways[name] = g.toSpec();
    for (const [serviceName, service] of Object.entries(services)) {
      const versions: Record<string, VersionSpec> = {};
      for (const [versionName, v] of Object.entries(service.versions ?? {})) {
        versions[versionName] = v.discovery
          ? v
          : {
              ...v,
              discovery: {
                cloudMap: {
                  namespace: this.namespace.namespaceName,
                  service: defaultCloudMapServiceName(serviceName, versionName),
                  // ECS registers no custom attributes: the Cloud Map service is the version.
                  attributes: {},
                },
              },
            };
      }
      services[serviceName] = { ...service, versions };
    }
    return { ...base, services, ...(Object.keys(gateways).length ? { gateways } : {}) };
  }

  private validateDefinition(): string[] {
    const { problems } = validateMesh(this.toSpec());
    const source = this.definition?.source === 'spec' || !this.definition ? '' : ` (${this.definition.source})`;
    return problems.map((p) => `mesh ${this.meshName}${source}: ${formatProblem(p)}`);
  }
}
