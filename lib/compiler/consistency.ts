/**
 * The consistency a snapshot must have before it is published: every route configuration a
 * listener names exists, every cluster a route or TCP proxy names exists, every EDS cluster
 * has a load assignment, every SDS secret a TLS context names exists, and no name is used twice.
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
    for (const hcm of networkFilters(listener)) {
      const name = (hcm.rds as { route_config_name?: string } | undefined)?.route_config_name;
      if (name !== undefined && !names.routes.has(name)) {
        problems.push(`listener '${listener.name}': route configuration '${name}' does not exist`);
      }
    }
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
  for (const r of [...snapshot.resources.listeners, ...snapshot.resources.clusters]) {
    const owner = r['@type'].endsWith('Listener') ? 'listener' : 'cluster';
    const refs = deepReferences(r);
    for (const secret of refs.secrets)
      if (!names.secrets.has(secret)) problems.push(`${owner} '${r.name}': secret '${secret}' does not exist`);
    for (const cluster of refs.clusters)
      if (!names.clusters.has(cluster)) problems.push(`${owner} '${r.name}': cluster '${cluster}' does not exist`);
  }
  return problems;
}

/** SDS secrets named by TLS contexts, and clusters named by `http_uri`s (JWKS fetches), anywhere inside. */
function deepReferences(value: unknown, out = { secrets: [] as string[], clusters: [] as string[] }) {
  if (Array.isArray(value)) for (const v of value) deepReferences(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Json)) {
      if (k === 'tls_certificate_sds_secret_configs') out.secrets.push(...(v as Json[]).map((s) => s.name));
      else if (k === 'validation_context_sds_secret_config') out.secrets.push((v as Json).name);
      else if (k === 'http_uri' && typeof (v as Json).cluster === 'string') out.clusters.push((v as Json).cluster);
      else deepReferences(v, out);
    }
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: Envoy resources are open-ended JSON, read defensively.
type Json = Record<string, any>;

/** The typed configs of a listener's network filters (HTTP connection managers, TCP proxies). */
function networkFilters(listener: Json): Json[] {
  return (listener.filter_chains ?? []).flatMap((fc: Json) =>
    (fc.filters ?? []).map((f: Json) => f.typed_config ?? {}),
  );
}

/** Where an Envoy route or TCP proxy names clusters: `cluster`, or `weighted_clusters`. */
function destinations(action: Json | undefined): string[] {
  if (!action) return [];
  if (typeof action.cluster === 'string') return [action.cluster];
  return (action.weighted_clusters?.clusters ?? []).map((c: Json) => c.name);
}

function routeConfigReferences(rc: Json): string[] {
  return (rc.virtual_hosts ?? []).flatMap((vh: Json) => (vh.routes ?? []).flatMap((r: Json) => destinations(r.route)));
}

/** Clusters a listener (TCP proxy, inline routes) or route configuration sends traffic to. */
export function clusterReferences(resource: EnvoyResource): string[] {
  if (!resource['@type'].endsWith('Listener')) return routeConfigReferences(resource);
  return networkFilters(resource).flatMap((tc) => [
    ...destinations(tc),
    ...(tc.route_config ? routeConfigReferences(tc.route_config) : []),
  ]);
}
