/**
 * A gateway (App Mesh's virtual gateway and its gateway routes): the mesh's entrance for
 * traffic from outside, run by `MeshProxy` as the only container of its task.
 */
import { Construct } from 'constructs';
import type { IProxyTarget } from './proxy-target';
import type { GatewayListenerSpec, GatewayRouteSpec, GatewaySpec } from './shared-interfaces';

export interface IMeshGateway extends IProxyTarget {
  readonly gatewayName: string;
}

export interface MeshGatewayOptions extends Omit<GatewaySpec, 'listeners' | 'routes'> {
  readonly listeners: readonly GatewayListenerSpec[];
  /** @default - none; add them with `addGatewayRoute` */
  readonly routes?: readonly GatewayRouteSpec[];
}

export interface MeshGatewayProps extends MeshGatewayOptions {
  readonly gatewayName: string;
}

export interface MeshGatewayAttributes {
  readonly gatewayName: string;
  /** The ports its listeners bind in the task. */
  readonly ports: readonly number[];
}

export class MeshGateway extends Construct implements IMeshGateway {
  public static fromMeshGatewayAttributes(scope: Construct, id: string, attrs: MeshGatewayAttributes): IMeshGateway {
    class Import extends Construct implements IMeshGateway {
      public readonly gatewayName = attrs.gatewayName;
      public readonly proxyName = attrs.gatewayName;
      public readonly kind = 'gateway' as const;
      public readonly proxyPorts = [...attrs.ports];
    }
    return new Import(scope, id);
  }

  public readonly gatewayName: string;
  public readonly proxyName: string;
  public readonly kind = 'gateway' as const;
  private readonly spec: Omit<GatewaySpec, 'routes'>;
  private readonly routes: GatewayRouteSpec[];

  constructor(scope: Construct, id: string, props: MeshGatewayProps) {
    super(scope, id);
    const { gatewayName, routes, listeners, ...rest } = props;
    this.gatewayName = gatewayName;
    this.proxyName = gatewayName;
    this.spec = { ...rest, listeners: [...listeners] };
    this.routes = [...(routes ?? [])];
  }

  public get proxyPorts(): readonly number[] {
    return this.spec.listeners.map((l) => l.port);
  }

  /** Adds a gateway route (App Mesh's `gateway.addGatewayRoute`). */
  public addGatewayRoute(route: GatewayRouteSpec): void {
    this.routes.push(route);
  }

  public toSpec(): GatewaySpec {
    return { ...this.spec, routes: [...this.routes] };
  }
}
