/**
 * A version of a service (App Mesh's virtual node): the unit an ECS service runs. It adds its
 * declaration to the mesh's definition; `MeshProxy` puts its sidecar into a task definition.
 */
import { Construct } from 'constructs';
import { sidecarName } from '../compiler/names';
import { DEFAULT_EGRESS_PORT, DEFAULT_INGRESS_PORT } from '../compiler/placement';
import type { IProxyTarget } from './proxy-target';
import type { BackendSpec, VersionSpec } from './shared-interfaces';

export interface IServiceVersion extends IProxyTarget {
  readonly serviceName: string;
  readonly versionName: string;
}

/** Anything with a service name: a `MeshService`, or the name itself. */
export interface IBackendService {
  readonly serviceName: string;
}

export interface ServiceVersionOptions extends Omit<VersionSpec, 'backends'> {
  /** Services this version calls (App Mesh's backends). @default - none */
  readonly backends?: readonly (IBackendService | BackendSpec)[];
}

export interface ServiceVersionProps extends ServiceVersionOptions {
  readonly serviceName: string;
  readonly versionName: string;
}

export interface ServiceVersionAttributes {
  readonly serviceName: string;
  readonly versionName: string;
  /** How many listeners the version declares (one ingress port each). @default 1 */
  readonly listenerCount?: number;
  /** @default `<service>-<version>` (the name `Mesh` gives versions without a discovery) */
  readonly cloudMapServiceName?: string;
}

/** The Cloud Map service a version's tasks register in when its declaration names none. */
export function defaultCloudMapServiceName(service: string, version: string): string {
  return `${service}-${version}`;
}

/** Sidecar ingress ports in listener order (15001 is egress, so the second listener gets 15002). */
export function sidecarIngressPorts(listenerCount: number): number[] {
  return Array.from({ length: Math.max(1, listenerCount) }, (_, i) =>
    i === 0 ? DEFAULT_INGRESS_PORT : DEFAULT_EGRESS_PORT + i,
  );
}

export class ServiceVersion extends Construct implements IServiceVersion {
  /** A version declared elsewhere (a mesh file, another stack). */
  public static fromServiceVersionAttributes(
    scope: Construct,
    id: string,
    attrs: ServiceVersionAttributes,
  ): IServiceVersion {
    class Import extends Construct implements IServiceVersion {
      public readonly serviceName = attrs.serviceName;
      public readonly versionName = attrs.versionName;
      public readonly proxyName = sidecarName(attrs.serviceName, attrs.versionName);
      public readonly kind = 'sidecar' as const;
      public readonly proxyPorts = sidecarIngressPorts(attrs.listenerCount ?? 1);
      public readonly cloudMapServiceName =
        attrs.cloudMapServiceName ?? defaultCloudMapServiceName(attrs.serviceName, attrs.versionName);
    }
    return new Import(scope, id);
  }

  public readonly serviceName: string;
  public readonly versionName: string;
  public readonly proxyName: string;
  public readonly kind = 'sidecar' as const;
  private readonly spec: VersionSpec;
  private readonly backends: (IBackendService | BackendSpec)[];

  constructor(scope: Construct, id: string, props: ServiceVersionProps) {
    super(scope, id);
    const { serviceName, versionName, backends, ...spec } = props;
    this.serviceName = serviceName;
    this.versionName = versionName;
    this.proxyName = sidecarName(serviceName, versionName);
    this.spec = spec;
    this.backends = [...(backends ?? [])];
  }

  public get proxyPorts(): readonly number[] {
    return sidecarIngressPorts(this.spec.listeners?.length ?? 1);
  }

  public get cloudMapServiceName(): string {
    return this.spec.discovery?.cloudMap?.service ?? defaultCloudMapServiceName(this.serviceName, this.versionName);
  }

  /** Lets this version call `service` (App Mesh's `addBackend`). */
  public addBackend(service: IBackendService | BackendSpec): void {
    this.backends.push(service);
  }

  /** The version's declaration, as a mesh file would hold it. */
  public toSpec(): VersionSpec {
    const backends = this.backends.map((b) =>
      typeof b === 'object' && 'serviceName' in b ? b.serviceName : (b as BackendSpec),
    );
    return { ...this.spec, ...(backends.length ? { backends } : {}) };
  }
}
