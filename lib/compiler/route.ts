/**
 * A service route → Envoy `config.route.v3.Route`: match, weighted clusters, timeouts,
 * retries and rewrites. Used by sidecars (egress to the service) and by gateways (after
 * composing the gateway route's match in front).
 */
import { envoyDuration } from '../model/duration';
import type { PathMatch } from '../model/match';
import type { RouteModel, TargetModel } from '../model/model';
import { routeMatch } from './matchers';
import { outboundCluster } from './names';
import { retryPolicy } from './retry-policy';

type Json = Record<string, unknown>;

export function clusterOf(t: TargetModel): string {
  return outboundCluster(t.service, t.version, t.port);
}

/** `cluster` for one target, `weighted_clusters` for several. */
export function routeDestination(targets: readonly TargetModel[]): Json {
  if (targets.length === 1) return { cluster: clusterOf(targets[0]) };
  return { weighted_clusters: { clusters: targets.map((t) => ({ name: clusterOf(t), weight: t.weight })) } };
}

export interface RouteOverrides {
  readonly name?: string;
  readonly path?: PathMatch;
  readonly extraHeaders?: readonly Json[];
  /** Rewrites decided by a gateway route composed in front; the service route's own win. */
  readonly prefixRewrite?: string;
  readonly regexRewrite?: { readonly pattern: string; readonly substitution: string };
  readonly pathRewrite?: string;
  readonly hostRewrite?: string;
}

export function envoyRoute(r: RouteModel, o: RouteOverrides = {}): Json {
  const action: Json = routeDestination(r.targets);
  if (r.timeout.perRequestMs !== undefined) action.timeout = envoyDuration(r.timeout.perRequestMs);
  if (r.timeout.idleMs !== undefined) action.idle_timeout = envoyDuration(r.timeout.idleMs);
  if (r.retryPolicy) action.retry_policy = retryPolicy(r.retryPolicy);
  if (r.protocol === 'grpc') {
    // Honour the caller's grpc-timeout, never beyond the route's own timeout (0s: uncapped).
    action.max_stream_duration = { grpc_timeout_header_max: envoyDuration(r.timeout.perRequestMs ?? 0) };
  }
  const prefix = r.rewrite?.prefix ?? o.prefixRewrite;
  if (o.pathRewrite !== undefined && r.rewrite?.prefix === undefined) {
    action.regex_rewrite = { pattern: { regex: '^.*$' }, substitution: o.pathRewrite };
  } else if (prefix !== undefined) {
    action.prefix_rewrite = prefix;
  } else if (o.regexRewrite) {
    action.regex_rewrite = { pattern: { regex: o.regexRewrite.pattern }, substitution: o.regexRewrite.substitution };
  }
  const host = r.rewrite?.hostname ?? o.hostRewrite;
  if (host !== undefined) action.host_rewrite_literal = host;
  return {
    name: o.name ?? `${r.service}/${r.name}`,
    match: routeMatch(r.match!, o.path ?? r.match!.path, o.extraHeaders),
    route: action,
  };
}
