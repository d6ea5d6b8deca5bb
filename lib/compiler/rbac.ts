/**
 * A service's authorization rules as Envoy RBAC filters on each inbound listener of its
 * versions: a DENY filter first (a matching DENY wins), then an ALLOW filter (nothing
 * matches: refused, so an empty rule list refuses everything). Principals are the peer
 * certificate's SPIFFE ID; HTTP listeners also match the normalized path and method.
 */

import type { PathMatch } from '../model/match';
import type { AuthorizationRuleModel, OperationModel, PrincipalModel } from '../model/model';
import { RBAC_HTTP, RBAC_NETWORK } from './extensions';

type Json = Record<string, unknown>;

function pathMatcher(p: PathMatch): Json {
  if (p.exact !== undefined) return { path: { exact: p.exact } };
  if (p.prefix !== undefined) return { path: { prefix: p.prefix } };
  return { path: { safe_regex: { regex: p.regex } } };
}

function principal(p: PrincipalModel): Json {
  return { authenticated: { principal_name: 'exact' in p ? { exact: p.exact } : { prefix: p.prefix } } };
}

/**
 * One operation as an Envoy permission, or `undefined` when it cannot match here. On TCP,
 * paths and methods cannot be checked: an ALLOW that needs them never matches, and a DENY
 * drops them and so refuses more (Istio's rule: failing closed either way).
 */
function permission(op: OperationModel, http: boolean, action: 'ALLOW' | 'DENY'): Json | undefined {
  const and: Json[] = [];
  if (op.paths) {
    if (!http && action === 'ALLOW') return undefined;
    if (http) and.push({ or_rules: { rules: op.paths.map((p) => ({ url_path: pathMatcher(p) })) } });
  }
  if (op.methods) {
    if (!http && action === 'ALLOW') return undefined;
    if (http)
      and.push({
        or_rules: { rules: op.methods.map((m) => ({ header: { name: ':method', string_match: { exact: m } } })) },
      });
  }
  if (and.length === 0) return { any: true };
  return and.length === 1 ? and[0] : { and_rules: { rules: and } };
}

function policies(rules: readonly AuthorizationRuleModel[], action: 'ALLOW' | 'DENY', port: number, http: boolean) {
  const out: Record<string, Json> = {};
  rules.forEach((rule, i) => {
    if (rule.action !== action) return;
    let permissions: Json[] = [{ any: true }];
    if (rule.to) {
      permissions = rule.to
        .filter((op) => !op.ports || op.ports.includes(port))
        .map((op) => permission(op, http, action))
        .filter((p) => p !== undefined);
      // No operation of the rule concerns this listener: the rule does not apply here.
      if (permissions.length === 0) return;
    }
    const principals = rule.from ? rule.from.map(principal) : [{ any: true }];
    out[`${action.toLowerCase()}-${i}`] = { permissions, principals };
  });
  return out;
}

function filterConfigs(rules: readonly AuthorizationRuleModel[], port: number, http: boolean) {
  const deny = policies(rules, 'DENY', port, http);
  const allow = policies(rules, 'ALLOW', port, http);
  return [
    ...(Object.keys(deny).length ? [{ action: 'DENY', policies: deny }] : []),
    { action: 'ALLOW', policies: allow },
  ];
}

export function httpRbacFilters(rules: readonly AuthorizationRuleModel[], port: number): Json[] {
  return filterConfigs(rules, port, true).map((r) => ({
    name: 'envoy.filters.http.rbac',
    typed_config: { '@type': RBAC_HTTP, rules: r, rules_stat_prefix: `authz_${r.action.toLowerCase()}_` },
  }));
}

export function networkRbacFilters(rules: readonly AuthorizationRuleModel[], port: number, statPrefix: string): Json[] {
  return filterConfigs(rules, port, false).map((r) => ({
    name: 'envoy.filters.network.rbac',
    typed_config: { '@type': RBAC_NETWORK, stat_prefix: `${statPrefix}_authz_${r.action.toLowerCase()}`, rules: r },
  }));
}
