/**
 * Puts a running application in the registry, as ECS does with Cloud Map: once its port
 * answers (the listener's HTTP health check path, or a TCP connect) the instance is
 * registered with the address and port of its sidecar's ingress, where mesh traffic for it
 * arrives. Probes continue and move its health: two failures in a row make it UNHEALTHY, one
 * success HEALTHY again. When the application stops, the instance is deregistered.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { MeshModel, VersionModel } from '../model/model';
import type { Registry } from '../registry/registry';
import { PORTS_ATTRIBUTE, registryQuery } from '../registry/registry-discovery';
import type { ProxyLayout } from './layout';
import { LOOPBACK } from './port-allocator';

const PROBE_TIMEOUT_MS = 1000;
const FAILURES_TO_UNHEALTHY = 2;

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** One probe of an application's port: HTTP GET of `path` (2xx/3xx is healthy), or a TCP connect. */
export function probe(port: number, path?: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (path) {
      const req = request({ host: LOOPBACK, port, path, method: 'GET', timeout: PROBE_TIMEOUT_MS }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, reason: `${path} answered ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => resolve({ ok: false, reason: (e as NodeJS.ErrnoException).code ?? e.message }));
      req.end();
      return;
    }
    const socket = connect({ host: LOOPBACK, port, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ ok: false, reason: 'timed out' });
    });
    socket.once('error', (e) => resolve({ ok: false, reason: (e as NodeJS.ErrnoException).code ?? e.message }));
  });
}

export interface RegistrarTarget {
  readonly model: MeshModel;
  readonly version: VersionModel;
  readonly layout: ProxyLayout;
}

export class InstanceRegistrar {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private registered: { namespace: string; service: string; id: string } | undefined;
  private stopped = false;
  /** The last probe's outcome, for progress reports. */
  last: ProbeResult = { ok: false, reason: 'not probed yet' };

  constructor(
    private readonly registry: Registry,
    private target: RegistrarTarget,
    private readonly intervalMs = 1000,
  ) {}

  get isRegistered(): boolean {
    return this.registered !== undefined;
  }

  /** Follows a mesh edit (a new health check path, other attributes). */
  update(target: RegistrarTarget): void {
    this.target = target;
  }

  start(): void {
    const tick = async () => {
      await this.probeOnce();
      if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
    };
    void tick();
  }

  stop(deregister = true): void {
    this.stopped = true;
    clearTimeout(this.timer);
    if (deregister) this.deregister();
  }

  async probeOnce(): Promise<void> {
    const { version, layout } = this.target;
    const first = version.listeners[0];
    if (!first) return;
    const hc = first.healthCheck;
    const http = first.protocol === 'http' && (hc?.protocol ?? 'http') === 'http';
    const result = await probe(layout.appPorts[first.port], http ? hc?.path : undefined);
    if (this.stopped) return;
    this.last = result;
    if (result.ok) {
      this.failures = 0;
      if (!this.registered) this.register();
      else this.setHealth('HEALTHY');
    } else if (this.registered && ++this.failures >= FAILURES_TO_UNHEALTHY) {
      this.setHealth('UNHEALTHY');
    }
  }

  private register(): void {
    const { model, version, layout } = this.target;
    const q = registryQuery(model, version);
    if (!q) return;
    const first = version.listeners[0];
    const attributes: Record<string, string> = {
      ...q.attributes,
      AWS_INSTANCE_IPV4: LOOPBACK,
      AWS_INSTANCE_PORT: String(layout.ingressPorts[first.port]),
      AVAILABILITY_ZONE: 'local',
    };
    if (version.listeners.length > 1) {
      attributes[PORTS_ATTRIBUTE] = version.listeners.map((l) => `${l.port}=${layout.ingressPorts[l.port]}`).join(',');
    }
    const id = `${version.service}-${version.name}-local`;
    this.registry.registerInstance({
      namespace: q.namespace,
      service: q.service,
      instanceId: id,
      attributes,
      health: 'HEALTHY',
    });
    this.registered = { namespace: q.namespace, service: q.service, id };
  }

  private setHealth(status: 'HEALTHY' | 'UNHEALTHY'): void {
    const r = this.registered!;
    try {
      this.registry.setHealth(r.namespace, r.service, r.id, status);
    } catch {
      // Deregistered from outside (the HTTP API, the registry file): register again next probe.
      this.registered = undefined;
    }
  }

  private deregister(): void {
    const r = this.registered;
    this.registered = undefined;
    if (!r) return;
    try {
      this.registry.deregisterInstance(r.namespace, r.service, r.id);
    } catch {
      // Already gone.
    }
  }
}
