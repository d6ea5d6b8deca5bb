/**
 * A compiled RouteConfiguration (Envoy's `config.route.v3.RouteConfiguration`): virtual
 * hosts indexed by domain (exact, then longest `*.suffix`, then longest `prefix.*`, then
 * `*`), built once per config so a lookup is a map probe and a short scan.
 */
import type { Fields, Json } from '../config/fields';
import type { RequestHeaders } from '../http/header-map';
import { type HeaderMutation, parseHeaderMutation } from './header-mutation';
import type { Route } from './route';
import { parseVirtualHost, type VirtualHost } from './virtual-host';

export interface RouteMatchResult {
  readonly virtualHost: VirtualHost;
  readonly route: Route;
}

export class RouteTable {
  private readonly exact = new Map<string, VirtualHost>();
  private readonly suffixes: Array<[string, VirtualHost]> = [];
  private readonly prefixes: Array<[string, VirtualHost]> = [];
  private readonly fallback: VirtualHost | undefined;

  constructor(
    readonly name: string,
    readonly virtualHosts: readonly VirtualHost[],
    readonly requestMutation: HeaderMutation,
    readonly responseMutation: HeaderMutation,
    readonly internalOnlyHeaders: readonly string[],
    readonly ignorePortInHostMatching: boolean,
    /** Cluster names every route may send to (checked against the cluster manager when `validate_clusters`). */
    readonly clusterNames: ReadonlySet<string>,
    readonly validateClusters: boolean,
    /** `most_specific_header_mutations_wins`: the route's header changes are applied last. */
    readonly mostSpecificHeaderMutationsWins: boolean,
    /** The source JSON, for /config_dump. */
    readonly raw: Json,
  ) {
    let fallback: VirtualHost | undefined;
    for (const vh of virtualHosts) {
      for (const d of vh.domains) {
        const domain = d.toLowerCase();
        if (domain === '*') fallback = vh;
        else if (domain.startsWith('*')) this.suffixes.push([domain.slice(1), vh]);
        else if (domain.endsWith('*')) this.prefixes.push([domain.slice(0, -1), vh]);
        else this.exact.set(domain, vh);
      }
    }
    this.fallback = fallback;
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  findVirtualHost(authority: string): VirtualHost | undefined {
    let host = authority.toLowerCase();
    if (this.ignorePortInHostMatching) host = stripPort(host);
    const vh = this.exact.get(host);
    if (vh) return vh;
    // A wildcard must match at least one character, as in Envoy.
    for (const [suffix, v] of this.suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return v;
    for (const [prefix, v] of this.prefixes) if (host.length > prefix.length && host.startsWith(prefix)) return v;
    return this.fallback;
  }

  route(req: RequestHeaders): RouteMatchResult | undefined {
    const virtualHost = this.findVirtualHost(req.authority);
    if (!virtualHost) return undefined;
    const route = virtualHost.route(req);
    return route ? { virtualHost, route } : undefined;
  }
}

export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.lastIndexOf(':');
  return colon > 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

/**
 * Parses and compiles a RouteConfiguration. `validateDefault` is Envoy's: true for route
 * configs inline in a static listener, false for RDS.
 */
export function parseRouteConfiguration(f: Fields, validateDefault: boolean): RouteTable {
  const name = f.string('name', '');
  const virtualHosts = f.array('virtual_hosts').map(parseVirtualHost);
  const seen = new Map<string, string>();
  virtualHosts.forEach((vh, i) => {
    for (const d of vh.domains) {
      const key = d.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined) {
        f.fail(`virtual_hosts[${i}].domains`, `domain "${d}" is already used by virtual host "${other}"`);
      }
      seen.set(key, vh.name);
    }
  });
  const requestMutation = parseHeaderMutation(
    f.array('request_headers_to_add'),
    f.stringArray('request_headers_to_remove'),
  );
  const responseMutation = parseHeaderMutation(
    f.array('response_headers_to_add'),
    f.stringArray('response_headers_to_remove'),
  );
  const internalOnlyHeaders = f.stringArray('internal_only_headers').map((h) => h.toLowerCase());
  const ignorePort = f.bool('ignore_port_in_host_matching');
  const validateClusters = f.bool('validate_clusters', validateDefault);
  const mostSpecificWins = f.bool('most_specific_header_mutations_wins');
  f.accept('max_direct_response_body_size_bytes');
  f.done(['vhds', 'cluster_specifier_plugins', 'typed_per_filter_config']);
  const clusterNames = new Set<string>();
  for (const vh of virtualHosts) {
    for (const r of vh.routes) {
      if (r.action.kind !== 'route') continue;
      const c = r.action.cluster;
      if (c.kind === 'cluster') clusterNames.add(c.name);
      else if (c.kind === 'weighted') for (const w of c.clusters) clusterNames.add(w.name);
    }
  }
  return new RouteTable(
    name,
    virtualHosts,
    requestMutation,
    responseMutation,
    internalOnlyHeaders,
    ignorePort,
    clusterNames,
    validateClusters,
    mostSpecificWins,
    f.raw,
  );
}
