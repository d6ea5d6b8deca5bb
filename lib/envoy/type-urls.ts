/**
 * Type URLs of the xDS resource types (what DiscoveryRequest.type_url names and each resource's
 * `"@type"` carries), and a helper for any other message.
 */

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** `typeUrl('envoy.config.cluster.v3.Cluster')` → `type.googleapis.com/envoy.config.cluster.v3.Cluster`. */
export function typeUrl(fullName: string): string {
  return TYPE_URL_PREFIX + (fullName.startsWith('.') ? fullName.slice(1) : fullName);
}

/** LDS */
export const LISTENER_TYPE_URL = typeUrl('envoy.config.listener.v3.Listener');
/** RDS */
export const ROUTE_TYPE_URL = typeUrl('envoy.config.route.v3.RouteConfiguration');
/** CDS */
export const CLUSTER_TYPE_URL = typeUrl('envoy.config.cluster.v3.Cluster');
/** EDS */
export const ENDPOINT_TYPE_URL = typeUrl('envoy.config.endpoint.v3.ClusterLoadAssignment');
/** SDS */
export const SECRET_TYPE_URL = typeUrl('envoy.extensions.transport_sockets.tls.v3.Secret');
/** VHDS */
export const VIRTUAL_HOST_TYPE_URL = typeUrl('envoy.config.route.v3.VirtualHost');
/** RTDS */
export const RUNTIME_TYPE_URL = typeUrl('envoy.service.runtime.v3.Runtime');

/** The resource types a Trellis snapshot carries, in the order xDS clients warm them (CDS, EDS, LDS, RDS, SDS). */
export const RESOURCE_TYPE_URLS = {
  clusters: CLUSTER_TYPE_URL,
  endpoints: ENDPOINT_TYPE_URL,
  listeners: LISTENER_TYPE_URL,
  routes: ROUTE_TYPE_URL,
  secrets: SECRET_TYPE_URL,
} as const;

export type ResourceKind = keyof typeof RESOURCE_TYPE_URLS;

/** The snapshot key for a type URL, or undefined for types a snapshot does not carry. */
export function resourceKindOf(url: string): ResourceKind | undefined {
  for (const [kind, u] of Object.entries(RESOURCE_TYPE_URLS)) if (u === url) return kind as ResourceKind;
  return undefined;
}
