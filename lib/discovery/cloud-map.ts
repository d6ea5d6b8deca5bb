/**
 * AWS Cloud Map as the mesh's discovery: the instances of each version's Cloud Map service,
 * filtered by the version's attributes, become the compiler's endpoints. ECS registers a task
 * with `AWS_INSTANCE_IPV4`, `AWS_INSTANCE_PORT` and `AVAILABILITY_ZONE`; its health is ECS's
 * view of the task's health. `DiscoverInstancesRevision` is one cheap call per Cloud Map
 * service: when the revision has not moved since the last run (the controller keeps this object
 * between warm invocations), the instances are not fetched again.
 */
import {
  DiscoverInstancesCommand,
  DiscoverInstancesRevisionCommand,
  type HttpInstanceSummary,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import type { Endpoint, EndpointSet, HealthStatus } from '../compiler/endpoints';
import type { MeshModel, VersionModel } from '../model/model';

/** DiscoverInstances has no paging; 1000 is its largest page. */
const MAX_RESULTS = 1000;

export interface CloudMapDiscoveryOptions {
  readonly client: ServiceDiscoveryClient;
  /** Told about instances that cannot become endpoints and services that do not exist. */
  readonly onWarning?: (message: string) => void;
}

/** The Cloud Map query a version's endpoints come from, with the model's defaults applied. */
export interface CloudMapQuery {
  readonly namespace: string;
  readonly service: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly ipPreference?: string;
}

export function cloudMapQuery(model: MeshModel, v: VersionModel): CloudMapQuery | undefined {
  const c = v.discovery.cloudMap;
  if (!c) return undefined;
  return {
    namespace: c.namespace ?? model.name,
    service: c.service ?? v.service,
    attributes: c.attributes ?? { version: v.name },
    ipPreference: c.ipPreference,
  };
}

interface CachedService {
  readonly revision: number;
  readonly instances: readonly HttpInstanceSummary[];
}

export interface DiscoveryStats {
  /** Cloud Map services whose instances were fetched in the last run. */
  fetched: number;
  /** Cloud Map services skipped because their revision had not changed. */
  unchanged: number;
}

export class CloudMapDiscovery {
  private readonly cache = new Map<string, CachedService>();
  readonly lastRun: DiscoveryStats = { fetched: 0, unchanged: 0 };

  constructor(private readonly o: CloudMapDiscoveryOptions) {}

  async endpoints(model: MeshModel): Promise<EndpointSet> {
    const queries = model.services.flatMap((s) =>
      s.versions.map((v) => ({ key: `${s.name}/${v.name}`, query: cloudMapQuery(model, v) })),
    );
    const services = new Map<string, { namespace: string; service: string }>();
    for (const { query } of queries) {
      if (query) services.set(serviceKey(query), { namespace: query.namespace, service: query.service });
    }
    this.lastRun.fetched = 0;
    this.lastRun.unchanged = 0;
    const instances = new Map<string, readonly HttpInstanceSummary[]>();
    await Promise.all(
      [...services].map(async ([key, s]) => instances.set(key, await this.instances(key, s.namespace, s.service))),
    );
    const out: Record<string, Endpoint[]> = {};
    for (const { key, query } of queries) {
      if (!query) continue;
      out[key] = (instances.get(serviceKey(query)) ?? [])
        .filter((i) => matches(i, query.attributes))
        .flatMap((i) => this.toEndpoint(i, query, key));
    }
    return out;
  }

  private async instances(key: string, namespace: string, service: string): Promise<readonly HttpInstanceSummary[]> {
    const cached = this.cache.get(key);
    try {
      if (cached) {
        const { InstancesRevision } = await this.o.client.send(
          new DiscoverInstancesRevisionCommand({ NamespaceName: namespace, ServiceName: service }),
        );
        if (InstancesRevision === cached.revision) {
          this.lastRun.unchanged++;
          return cached.instances;
        }
      }
      const res = await this.o.client.send(
        new DiscoverInstancesCommand({
          NamespaceName: namespace,
          ServiceName: service,
          // Every instance: the proxies skip unhealthy ones, and people see them in config dumps.
          HealthStatus: 'ALL',
          MaxResults: MAX_RESULTS,
        }),
      );
      this.lastRun.fetched++;
      const list = res.Instances ?? [];
      if (list.length >= MAX_RESULTS) {
        this.o.onWarning?.(`${namespace}/${service}: ${list.length} instances, the most DiscoverInstances returns`);
      }
      // Without a revision there is nothing to compare next time: fetch again then.
      if (res.InstancesRevision !== undefined)
        this.cache.set(key, { revision: res.InstancesRevision, instances: list });
      else this.cache.delete(key);
      return list;
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === 'ServiceNotFound' || name === 'NamespaceNotFound') {
        // A version declared before anything registered: no endpoints yet, not a failure.
        this.o.onWarning?.(
          `${namespace}/${service}: ${name === 'ServiceNotFound' ? 'no such service' : 'no such namespace'}`,
        );
        this.cache.delete(key);
        return [];
      }
      throw e;
    }
  }

  private toEndpoint(i: HttpInstanceSummary, q: CloudMapQuery, version: string): Endpoint[] {
    const a = i.Attributes ?? {};
    const address = pickAddress(a.AWS_INSTANCE_IPV4, a.AWS_INSTANCE_IPV6, q.ipPreference);
    if (!address) {
      this.o.onWarning?.(`${version}: instance ${i.InstanceId} has no AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6; skipped`);
      return [];
    }
    const port = a.AWS_INSTANCE_PORT === undefined ? undefined : Number(a.AWS_INSTANCE_PORT);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
      this.o.onWarning?.(
        `${version}: instance ${i.InstanceId} has AWS_INSTANCE_PORT '${a.AWS_INSTANCE_PORT}'; skipped`,
      );
      return [];
    }
    return [
      {
        address,
        ...(port !== undefined ? { port } : {}),
        health: health(i.HealthStatus),
        ...(a.AVAILABILITY_ZONE ? { zone: a.AVAILABILITY_ZONE } : {}),
        ...(i.InstanceId ? { instanceId: i.InstanceId } : {}),
      },
    ];
  }
}

function serviceKey(q: { namespace: string; service: string }): string {
  return `${q.namespace}\u0000${q.service}`;
}

function matches(i: HttpInstanceSummary, attributes: Readonly<Record<string, string>>): boolean {
  return Object.entries(attributes).every(([k, v]) => i.Attributes?.[k] === v);
}

function pickAddress(v4: string | undefined, v6: string | undefined, preference: string | undefined) {
  switch (preference) {
    case 'IPv4_ONLY':
      return v4;
    case 'IPv6_ONLY':
      return v6;
    case 'IPv6_PREFERRED':
      return v6 ?? v4;
    default:
      return v4 ?? v6;
  }
}

function health(status: string | undefined): HealthStatus {
  return status === 'HEALTHY' || status === 'UNHEALTHY' ? status : 'UNKNOWN';
}
