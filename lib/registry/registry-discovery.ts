/**
 * The embedded registry as the mesh's discovery: what lib/discovery/cloud-map.ts does with
 * AWS Cloud Map, against the in-memory registry. Each version's instances are those of its
 * Cloud Map service carrying its attributes (`version: v1` by default); versions with fixed
 * `local.endpoints` get those. Unhealthy instances stay in the set: the proxies skip them and
 * people still see them in config dumps and on the dashboard.
 */
import type { Endpoint, EndpointSet, HealthStatus } from '../compiler/endpoints';
import type { MeshModel, VersionModel } from '../model/model';
import { type Instance, RegistryError } from './instance';
import type { Registry } from './registry';

/** Instance attribute holding `<listener port>=<port>` pairs for versions with several listeners. */
export const PORTS_ATTRIBUTE = 'TRELLIS_PORTS';

export interface RegistryQuery {
  readonly namespace: string;
  readonly service: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The registry query a version's endpoints come from (Cloud Map's defaults: mesh name, service name, version). */
export function registryQuery(model: MeshModel, v: VersionModel): RegistryQuery | undefined {
  const c = v.discovery.cloudMap;
  if (!c) return undefined;
  return {
    namespace: c.namespace ?? model.name,
    service: c.service ?? v.service,
    attributes: c.attributes ?? { version: v.name },
  };
}

export function registryEndpoints(model: MeshModel, registry: Registry): EndpointSet {
  const out: Record<string, Endpoint[]> = {};
  for (const s of model.services) {
    for (const v of s.versions) {
      const key = `${s.name}/${v.name}`;
      const fixed = v.discovery.local?.endpoints;
      if (fixed) {
        out[key] = fixed.map((e) => ({ address: e.address, port: e.port }));
        continue;
      }
      const q = registryQuery(model, v);
      if (!q) continue;
      let instances: Instance[] = [];
      try {
        instances = registry.discoverInstances({
          namespace: q.namespace,
          service: q.service,
          queryParameters: q.attributes,
          healthStatus: 'ALL',
          maxResults: 1000,
        }).instances;
      } catch (e) {
        // Nothing registered yet: no endpoints, not a failure.
        if (!(e instanceof RegistryError)) throw e;
      }
      out[key] = instances.flatMap((i) => toEndpoint(i));
    }
  }
  return out;
}

function toEndpoint(i: Instance): Endpoint[] {
  const a = i.attributes;
  const address = a.AWS_INSTANCE_IPV4 ?? a.AWS_INSTANCE_IPV6;
  if (!address) return [];
  const ports: Record<string, number> = {};
  for (const pair of (a[PORTS_ATTRIBUTE] ?? '').split(',').filter(Boolean)) {
    const [listener, port] = pair.split('=');
    if (/^\d+$/.test(listener) && /^\d+$/.test(port ?? '')) ports[listener] = Number(port);
  }
  return [
    {
      address,
      ...(a.AWS_INSTANCE_PORT ? { port: Number(a.AWS_INSTANCE_PORT) } : {}),
      ...(Object.keys(ports).length ? { ports } : {}),
      health: i.health as HealthStatus,
      ...(a.AVAILABILITY_ZONE ? { zone: a.AVAILABILITY_ZONE } : {}),
      instanceId: i.id,
    },
  ];
}
