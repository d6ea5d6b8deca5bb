/**
 * A service (App Mesh's virtual service with its virtual router): the name callers use, its
 * versions and the routes that split traffic between them.
 */
import { Construct } from 'constructs';
import { ServiceVersion, type ServiceVersionOptions } from './service-version';
import type { RouteSpec, ServiceListenerSpec, ServiceSpec } from './shared-interfaces';

export interface MeshServiceOptions {
  /** @default - none */
  readonly description?: string;
  /** Ports callers reach the service on. @default - the listeners its versions share */
  readonly listeners?: readonly ServiceListenerSpec[];
  /** Required once the service has more than one version. @default - all traffic to the only version */
  readonly routes?: readonly RouteSpec[];
}

export interface MeshServiceProps extends MeshServiceOptions {
  readonly serviceName: string;
}

export class MeshService extends Construct {
  public readonly serviceName: string;
  private readonly props: MeshServiceProps;
  private readonly routes: RouteSpec[];
  private readonly versions = new Map<string, ServiceVersion>();

  constructor(scope: Construct, id: string, props: MeshServiceProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    this.props = props;
    this.routes = [...(props.routes ?? [])];
  }

  /** Adds a version (App Mesh's virtual node); its name is the construct id. */
  public addVersion(versionName: string, options: ServiceVersionOptions = {}): ServiceVersion {
    if (this.versions.has(versionName)) {
      throw new Error(`service ${this.serviceName} already has a version named '${versionName}'`);
    }
    const v = new ServiceVersion(this, versionName, { ...options, serviceName: this.serviceName, versionName });
    this.versions.set(versionName, v);
    return v;
  }

  /** Adds a route (App Mesh's `router.addRoute`): matches, targets and weights, retries, timeouts. */
  public addRoute(route: RouteSpec): void {
    this.routes.push(route);
  }

  public toSpec(): ServiceSpec {
    return {
      ...(this.props.description ? { description: this.props.description } : {}),
      ...(this.props.listeners ? { listeners: [...this.props.listeners] } : {}),
      versions: Object.fromEntries([...this.versions].map(([name, v]) => [name, v.toSpec()])),
      ...(this.routes.length ? { routes: [...this.routes] } : {}),
    };
  }
}
