/**
 * The mesh model's shapes as the constructs take them: exactly what a mesh file holds at the
 * same place (lib/model), so a service declared with `mesh.addService` and one loaded from YAML
 * are the same thing to the compiler.
 */
import type { MeshSpec } from '../model/mesh';

/** A service (App Mesh's virtual service, its router and routes), without its versions. */
export type ServiceSpec = MeshSpec['services'][string];
/** A version (App Mesh's virtual node): listeners, discovery, backends, access log. */
export type VersionSpec = ServiceSpec['versions'][string];
/** A route of a service (App Mesh's route on a virtual router). */
export type RouteSpec = NonNullable<ServiceSpec['routes']>[number];
/** A port callers reach a service on (App Mesh's virtual router listener). */
export type ServiceListenerSpec = NonNullable<ServiceSpec['listeners']>[number];
/** A version's listener: port, protocol, health check, timeouts, pools, outlier detection, TLS. */
export type ListenerSpec = NonNullable<VersionSpec['listeners']>[number];
/** A gateway (App Mesh's virtual gateway) with its routes. */
export type GatewaySpec = NonNullable<MeshSpec['gateways']>[string];
export type GatewayListenerSpec = GatewaySpec['listeners'][number];
export type GatewayRouteSpec = NonNullable<GatewaySpec['routes']>[number];
export type BackendSpec = NonNullable<VersionSpec['backends']>[number];
export type { MeshSpec };
