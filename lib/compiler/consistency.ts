/**
 * The consistency a snapshot must have before it is published: every route configuration a
 * listener names exists, every cluster a route or TCP proxy names exists, every EDS cluster
 * has a load assignment, and no name is used twice.
 */
import { type EnvoyResource, RESOURCE_TYPES, resourceName, type Snapshot } from './snapshot';

/** Problems, as `<what>: <reason>` lines; empty when consistent. */
export function checkConsistency(snapshot: Snapshot): string[] {
  const problems: string[] = [];
  const names = Object.fromEntries(
    RESOURCE_TYPES.map((t) => {
      const set = new Set<string>();
      for (const r of snapshot.resources[t]) {
        const n = resourceName(r);
        if (!n) problems.push(`${t}: a resource has no name`);
        else if (set.has(n)) problems.push(`${t}: '${n}' is defined twice`);
        set.add(n);
      }
      return [t, set];
    }),
  ) as Record<(typeof RESOURCE_TYPES)[number], Set<string>>;

  for (const listener of snapshot.resources.listeners) {
    walk(listener, (key, value) => {
      if (key === 'route_config_name' && typeof value === 'string' && !names.routes.has(value)) {
        problems.push(`listener '${listener.name}': route configuration '${value}' does not exist`);
      }
    });
  }
  for (const r of [...snapshot.resources.listeners, ...snapshot.resources.routes]) {
    const owner = r['@type'].endsWith('Listener') ? 'listener' : 'route configuration';
    for (const cluster of clusterReferences(r)) {
      if (!names.clusters.has(cluster)) problems.push(`${owner} '${r.name}': cluster '${cluster}' does not exist`);
    }
  }
  for (const c of snapshot.resources.clusters) {
    if ((c as { type?: string }).type === 'EDS') {
      const serviceName =
        (c as { eds_cluster_config?: { service_name?: string } }).eds_cluster_config?.service_name ?? c.name;
      if (!names.endpoints.has(serviceName!)) {
        problems.push(`cluster '${c.name}': no load assignment for '${serviceName}'`);
      }
    }
  }
  return problems;
}

/** Clusters a listener (TCP proxy) or route configuration sends traffic to. */
export function clusterReferences(resource: EnvoyResource): string[] {
  const out: string[] = [];
  walk(resource, (key, value, parent) => {
    // `cluster` in a route action or TCP proxy; `name` of a weighted cluster entry (it has a weight).
    if (typeof value === 'string' && (key === 'cluster' || (key === 'name' && 'weight' in parent))) out.push(value);
  });
  return out;
}

function walk(node: unknown, visit: (key: string, value: unknown, parent: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      visit(k, v, node as Record<string, unknown>);
      walk(v, visit);
    }
  }
}

export type { EnvoyResource };
