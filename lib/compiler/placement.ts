/**
 * Where a proxy's listeners bind and where its application listens. On ECS the defaults
 * are App Mesh's (ingress 15000, egress 15001, the application on its own ports); the
 * local runtime runs many proxies on one machine and gives each its own ports.
 */
import type { ProxyCertificates } from './secrets';

export interface ProxyPlacement {
  /** Address listeners bind to. @default '0.0.0.0' */
  readonly bindAddress?: string;
  /** Model listener port → the port the sidecar accepts inbound traffic on. @default 15000, 15002, … */
  readonly ingressPorts?: Readonly<Record<number, number>>;
  /** Where the application listens. @default '127.0.0.1' */
  readonly appAddress?: string;
  /** Model listener port → the port the application really listens on. @default the same port */
  readonly appPorts?: Readonly<Record<number, number>>;
  /** The HTTP egress port applications send outbound requests to. @default 15001 */
  readonly egressPort?: number;
  /** `<service>:<port>` → local port of a TCP egress listener. @default the service's port */
  readonly tcpEgressPorts?: Readonly<Record<string, number>>;
  /** Gateways: model listener port → bound port. @default the same port */
  readonly gatewayPorts?: Readonly<Record<number, number>>;
  /** Where the proxy's mTLS certificate comes from when the mesh uses mTLS. */
  readonly tls?: {
    /** PEM files `cert.pem`, `key.pem`, `ca.pem`, watched for rotation. @default '/etc/trellis/tls' */
    readonly directory?: string;
    /** Inline PEMs from a control plane that issues certificates itself; wins over `directory`. */
    readonly certificates?: ProxyCertificates;
  };
}

export const DEFAULT_INGRESS_PORT = 15000;
export const DEFAULT_EGRESS_PORT = 15001;

export function ingressPort(p: ProxyPlacement, listenerPort: number, index: number): number {
  // 15001 is egress, so the second inbound listener takes 15002.
  return p.ingressPorts?.[listenerPort] ?? (index === 0 ? DEFAULT_INGRESS_PORT : DEFAULT_EGRESS_PORT + index);
}

export function appPort(p: ProxyPlacement, listenerPort: number): number {
  return p.appPorts?.[listenerPort] ?? listenerPort;
}
