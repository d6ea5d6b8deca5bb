/**
 * Names of the Envoy resources the compiler emits. Cluster names follow Istio's
 * `direction|port|subset|host` convention, which Envoy users already read in stats and
 * dashboards: `outbound|3000|v2|catalog`.
 */

/** The proxy (xDS node id) of a service version's sidecar. */
export function sidecarName(service: string, version: string): string {
  return `${service}/${version}`;
}

/** Parses a proxy name back into service and version; `undefined` for a gateway. */
export function parseSidecarName(proxy: string): { service: string; version: string } | undefined {
  const i = proxy.indexOf('/');
  return i < 0 ? undefined : { service: proxy.slice(0, i), version: proxy.slice(i + 1) };
}

export function outboundCluster(service: string, version: string, port: number): string {
  return `outbound|${port}|${version}|${service}`;
}

/** The sidecar's own application, reached on loopback. */
export function inboundCluster(service: string, version: string, port: number): string {
  return `inbound|${port}|${version}|${service}`;
}

export function externalCluster(host: string, port: number): string {
  return `outbound|${port}||${host}`;
}

/** Egress to hosts outside the mesh when the mesh allows it (Istio's name). */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

export const inboundListener = (port: number) => `ingress-${port}`;
export const EGRESS_HTTP_LISTENER = 'egress-http';
export const egressTcpListener = (name: string, port: number) => `egress-tcp-${name}-${port}`;
export const gatewayListener = (port: number) => `gateway-${port}`;

/** Stat prefixes may not hold `|`-free dotted forms Envoy would split; keep them flat. */
export const statPrefix = (listenerName: string) => listenerName.replace(/[^A-Za-z0-9_]/g, '_');

/** SDS secrets every mTLS proxy holds: its own certificate and key, and the mesh's CA bundle. */
export const IDENTITY_SECRET = 'identity';
export const TRUST_BUNDLE_SECRET = 'trust-bundle';

/** The cluster a gateway fetches a remote JWKS through. */
export const jwksCluster = (host: string, port: number) => `jwks|${port}|${host}`;
