/**
 * The embedded registry: AWS Cloud Map's namespaces, services and instances in memory, for a
 * laptop. Every change bumps the service's instances revision (what Cloud Map's
 * `DiscoverInstancesRevision` returns) and emits `change`, so the control plane recompiles
 * at once instead of polling.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  checkAttributes,
  checkHealth,
  checkInstanceId,
  checkName,
  type Instance,
  type InstanceHealth,
  initialHealth,
  RegistryError,
} from './instance';

export interface ServiceState {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly instances: Map<string, Instance>;
  revision: number;
}

export interface NamespaceState {
  readonly id: string;
  readonly name: string;
  readonly services: Map<string, ServiceState>;
}

/** Cloud Map's DiscoverInstances filter on health. */
export type HealthFilter = 'HEALTHY' | 'UNHEALTHY' | 'ALL' | 'HEALTHY_OR_ELSE_ALL';

export interface DiscoverQuery {
  readonly namespace: string;
  readonly service: string;
  /** Instances must carry every one of these. */
  readonly queryParameters?: Readonly<Record<string, string>>;
  /** Preferred: used when some instances match them, ignored otherwise. */
  readonly optionalParameters?: Readonly<Record<string, string>>;
  /** @default 'HEALTHY' (Cloud Map's default) */
  readonly healthStatus?: HealthFilter;
  /** @default 100 */
  readonly maxResults?: number;
}

export interface RegisterInput {
  readonly namespace: string;
  readonly service: string;
  readonly instanceId: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** @default from `AWS_INIT_HEALTH_STATUS`, else HEALTHY */
  readonly health?: InstanceHealth;
}

export interface ChangeEvent {
  readonly namespace: string;
  readonly service: string;
  readonly instanceId?: string;
  readonly kind: 'register' | 'deregister' | 'health' | 'reload';
}

/** Cloud Map-looking ids (`ns-…`, `srv-…`), stable for a name so files and logs stay readable. */
function idFor(prefix: string, name: string): string {
  return `${prefix}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

export class Registry extends EventEmitter {
  private readonly namespaceMap = new Map<string, NamespaceState>();
  /** Revisions only move forward, even across a service's removal and re-creation. */
  private revisionClock = 0;

  namespaces(): NamespaceState[] {
    return [...this.namespaceMap.values()].sort((a, b) => cmp(a.name, b.name));
  }

  namespace(name: string): NamespaceState | undefined {
    return this.namespaceMap.get(name);
  }

  createNamespace(name: string): NamespaceState {
    checkName('namespace', name);
    let ns = this.namespaceMap.get(name);
    if (!ns) this.namespaceMap.set(name, (ns = { id: idFor('ns', name), name, services: new Map() }));
    return ns;
  }

  createService(namespace: string, name: string): ServiceState {
    const ns = this.createNamespace(namespace);
    checkName('service', name);
    let svc = ns.services.get(name);
    if (!svc) {
      svc = {
        id: idFor('srv', `${namespace}/${name}`),
        name,
        namespace,
        instances: new Map(),
        revision: ++this.revisionClock,
      };
      ns.services.set(name, svc);
    }
    return svc;
  }

  /** The service, or a Cloud Map NamespaceNotFound / ServiceNotFound error. */
  service(namespace: string, name: string): ServiceState {
    const ns = this.namespaceMap.get(namespace);
    if (!ns) throw new RegistryError('NamespaceNotFound', `namespace '${namespace}' does not exist`);
    const svc = ns.services.get(name);
    if (!svc)
      throw new RegistryError('ServiceNotFound', `service '${name}' does not exist in namespace '${namespace}'`);
    return svc;
  }

  serviceById(id: string): ServiceState {
    for (const ns of this.namespaceMap.values()) for (const s of ns.services.values()) if (s.id === id) return s;
    throw new RegistryError('ServiceNotFound', `no service with id '${id}'`);
  }

  /** Registers or replaces an instance (Cloud Map's RegisterInstance is an upsert too). */
  registerInstance(input: RegisterInput): Instance {
    const id = checkInstanceId(input.instanceId);
    const attributes = checkAttributes(input.attributes);
    const health = input.health === undefined ? initialHealth(attributes) : checkHealth(input.health);
    const svc = this.createService(input.namespace, input.service);
    const instance: Instance = { id, attributes, health };
    svc.instances.set(id, instance);
    this.changed(svc, { kind: 'register', instanceId: id });
    return instance;
  }

  deregisterInstance(namespace: string, service: string, instanceId: string): Instance {
    const svc = this.service(namespace, service);
    const instance = svc.instances.get(instanceId);
    if (!instance)
      throw new RegistryError(
        'InstanceNotFound',
        `instance '${instanceId}' is not registered in ${namespace}/${service}`,
      );
    svc.instances.delete(instanceId);
    this.changed(svc, { kind: 'deregister', instanceId });
    return instance;
  }

  setHealth(namespace: string, service: string, instanceId: string, status: InstanceHealth): Instance {
    const svc = this.service(namespace, service);
    const instance = svc.instances.get(instanceId);
    if (!instance)
      throw new RegistryError(
        'InstanceNotFound',
        `instance '${instanceId}' is not registered in ${namespace}/${service}`,
      );
    const health = checkHealth(status, 'status');
    if (instance.health === health) return instance;
    const updated = { ...instance, health };
    svc.instances.set(instanceId, updated);
    this.changed(svc, { kind: 'health', instanceId });
    return updated;
  }

  getInstance(namespace: string, service: string, instanceId: string): Instance {
    const instance = this.service(namespace, service).instances.get(instanceId);
    if (!instance)
      throw new RegistryError(
        'InstanceNotFound',
        `instance '${instanceId}' is not registered in ${namespace}/${service}`,
      );
    return instance;
  }

  listInstances(namespace: string, service: string): Instance[] {
    return [...this.service(namespace, service).instances.values()].sort((a, b) => cmp(a.id, b.id));
  }

  /** Cloud Map's DiscoverInstances: attribute filters, health filter, and the revision read with them. */
  discoverInstances(q: DiscoverQuery): { instances: Instance[]; revision: number } {
    const svc = this.service(q.namespace, q.service);
    const matchAll = (i: Instance, params: Readonly<Record<string, string>> | undefined) =>
      Object.entries(params ?? {}).every(([k, v]) => i.attributes[k] === v);
    let list = [...svc.instances.values()].filter((i) => matchAll(i, q.queryParameters));
    const preferred = list.filter((i) => matchAll(i, q.optionalParameters));
    if (preferred.length > 0) list = preferred;
    const filter = q.healthStatus ?? 'HEALTHY';
    if (filter === 'HEALTHY' || filter === 'UNHEALTHY') list = list.filter((i) => i.health === filter);
    else if (filter === 'HEALTHY_OR_ELSE_ALL') {
      const healthy = list.filter((i) => i.health === 'HEALTHY');
      if (healthy.length > 0) list = healthy;
    }
    list.sort((a, b) => cmp(a.id, b.id));
    return { instances: list.slice(0, q.maxResults ?? 100), revision: svc.revision };
  }

  revision(namespace: string, service: string): number {
    return this.service(namespace, service).revision;
  }

  /** Every instance, for persistence and the dashboard. */
  toJSON(): RegistryData {
    const namespaces: RegistryData['namespaces'] = {};
    for (const ns of this.namespaces()) {
      const services: Record<
        string,
        { instances: Record<string, { attributes: Record<string, string>; health: InstanceHealth }> }
      > = {};
      for (const svc of [...ns.services.values()].sort((a, b) => cmp(a.name, b.name))) {
        const instances: Record<string, { attributes: Record<string, string>; health: InstanceHealth }> = {};
        for (const i of this.listInstances(ns.name, svc.name))
          instances[i.id] = { attributes: { ...i.attributes }, health: i.health };
        services[svc.name] = { instances };
      }
      namespaces[ns.name] = { services };
    }
    return { namespaces };
  }

  /**
   * Replaces everything with `data` (checked first: on a bad document nothing changes), bumping
   * the revision of every service whose instances differ.
   */
  replaceAll(data: RegistryData): void {
    const next = new Registry();
    for (const [nsName, ns] of Object.entries(data.namespaces ?? {})) {
      next.createNamespace(nsName);
      for (const [svcName, svc] of Object.entries(ns.services ?? {})) {
        next.createService(nsName, svcName);
        for (const [id, i] of Object.entries(svc.instances ?? {})) {
          next.registerInstance({
            namespace: nsName,
            service: svcName,
            instanceId: id,
            attributes: i.attributes,
            health: i.health,
          });
        }
      }
    }
    const touched: ServiceState[] = [];
    for (const ns of this.namespaces()) {
      for (const svc of ns.services.values()) {
        const other = next.namespaceMap.get(ns.name)?.services.get(svc.name);
        if (!other) {
          if (svc.instances.size) touched.push(svc);
          svc.instances.clear();
        }
      }
    }
    for (const ns of next.namespaces()) {
      for (const other of ns.services.values()) {
        const svc = this.createService(ns.name, other.name);
        if (sameInstances(svc.instances, other.instances)) continue;
        svc.instances.clear();
        for (const [id, i] of other.instances) svc.instances.set(id, i);
        touched.push(svc);
      }
    }
    for (const svc of touched) this.changed(svc, { kind: 'reload' });
  }

  private changed(svc: ServiceState, e: Omit<ChangeEvent, 'namespace' | 'service'>): void {
    svc.revision = ++this.revisionClock;
    this.emit('change', { namespace: svc.namespace, service: svc.name, ...e } satisfies ChangeEvent);
  }
}

export interface RegistryData {
  readonly namespaces: Record<
    string,
    {
      readonly services: Record<
        string,
        {
          readonly instances: Record<
            string,
            { readonly attributes: Record<string, string>; readonly health: InstanceHealth }
          >;
        }
      >;
    }
  >;
}

function sameInstances(a: ReadonlyMap<string, Instance>, b: ReadonlyMap<string, Instance>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, i] of a) {
    const o = b.get(id);
    if (!o || o.health !== i.health || JSON.stringify(o.attributes) !== JSON.stringify(i.attributes)) return false;
  }
  return true;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
