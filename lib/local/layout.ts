/**
 * Where everything of a local mesh listens: per proxy its admin port, per sidecar its ingress
 * ports, egress port and its application's ports, per gateway its listener ports (the mesh's
 * own port when free, so `curl localhost:8080` works as the mesh file says). Ports are chosen
 * once and kept for the whole run, so recompiling never moves a listener.
 */
import type { ProxyPlacement } from '../compiler/placement';
import type { MeshModel, VersionModel } from '../model/model';
import { identityDirectory } from '../pki/identity-issuer';
import { LOOPBACK, type PortAllocator } from './port-allocator';

export interface ProxyLayout {
  /** The proxy's name and xDS node id: `<service>/<version>` or the gateway's name. */
  readonly name: string;
  readonly kind: 'sidecar' | 'gateway';
  readonly service?: string;
  readonly version?: string;
  readonly adminPort: number;
  /** Model listener port → the proxy's inbound port (sidecars). */
  readonly ingressPorts: Record<number, number>;
  /** Model listener port → the application's port (sidecars). */
  readonly appPorts: Record<number, number>;
  /** The HTTP egress port the application sends outbound requests to (sidecars). */
  readonly egressPort?: number;
  /** `<service>:<port>` → local TCP egress port (sidecars with TCP backends). */
  readonly tcpEgressPorts: Record<string, number>;
  /** Model listener port → bound port (gateways). */
  readonly gatewayPorts: Record<number, number>;
}

export interface LayoutOptions {
  readonly ports: PortAllocator;
  /** Gateways take ephemeral ports too instead of their mesh ports. */
  readonly ephemeralGateways?: boolean;
  /** Where each proxy's identity directory lives when the mesh uses mTLS (see lib/pki). */
  readonly tlsRoot?: string;
}

export class Layout {
  private readonly proxies = new Map<string, ProxyLayout>();

  constructor(private readonly options: LayoutOptions) {}

  get(name: string): ProxyLayout | undefined {
    return this.proxies.get(name);
  }

  all(): ProxyLayout[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Gives ports to every proxy and listener of `model` that has none yet. */
  async assign(model: MeshModel): Promise<void> {
    const take = () => this.options.ports.take();
    for (const g of model.gateways) {
      let p = this.proxies.get(g.name);
      if (!p) {
        p = {
          name: g.name,
          kind: 'gateway',
          adminPort: await take(),
          ingressPorts: {},
          appPorts: {},
          tcpEgressPorts: {},
          gatewayPorts: {},
        };
        this.proxies.set(g.name, p);
      }
      for (const l of g.listeners) {
        if (p.gatewayPorts[l.port] !== undefined) continue;
        p.gatewayPorts[l.port] = this.options.ephemeralGateways
          ? await take()
          : await this.options.ports.prefer(l.port);
      }
    }
    for (const s of model.services) {
      for (const v of s.versions) {
        const name = `${s.name}/${v.name}`;
        let p = this.proxies.get(name);
        if (!p) {
          p = {
            name,
            kind: 'sidecar',
            service: s.name,
            version: v.name,
            adminPort: await take(),
            egressPort: await take(),
            ingressPorts: {},
            appPorts: {},
            tcpEgressPorts: {},
            gatewayPorts: {},
          };
          this.proxies.set(name, p);
        }
        for (const l of v.listeners) {
          if (p.ingressPorts[l.port] === undefined) p.ingressPorts[l.port] = await take();
          if (p.appPorts[l.port] === undefined) p.appPorts[l.port] = await take();
        }
        for (const key of tcpBackends(model, v)) {
          if (p.tcpEgressPorts[key] === undefined) p.tcpEgressPorts[key] = await take();
        }
      }
    }
  }

  /** The compiler's placement for a proxy: every listener on loopback, on its own port. */
  placement(name: string): ProxyPlacement | undefined {
    const p = this.proxies.get(name);
    if (!p) return undefined;
    return {
      bindAddress: LOOPBACK,
      appAddress: LOOPBACK,
      ingressPorts: p.ingressPorts,
      appPorts: p.appPorts,
      egressPort: p.egressPort,
      tcpEgressPorts: p.tcpEgressPorts,
      gatewayPorts: p.gatewayPorts,
      ...(this.options.tlsRoot ? { tls: { directory: identityDirectory(this.options.tlsRoot, name) } } : {}),
    };
  }
}

/** Keys of the TCP egress listeners a version's sidecar has (see compiler/sidecar.ts). */
function tcpBackends(model: MeshModel, v: VersionModel): string[] {
  const keys: string[] = [];
  for (const b of v.backends) {
    const svc = model.services.find((s) => s.name === b);
    if (svc) {
      for (const l of svc.listeners) if (l.protocol === 'tcp') keys.push(`${svc.name}:${l.port}`);
      continue;
    }
    const ext = model.externalServices.find((e) => e.name === b);
    if (ext && (ext.protocol === 'tcp' || ext.protocol === 'tls')) {
      for (const host of ext.hosts) keys.push(`${host}:${ext.port}`);
    }
  }
  return keys;
}
