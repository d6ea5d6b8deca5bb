/**
 * Envoy's HTTP RBAC filter (`envoy.filters.http.rbac`): authorizes each request against the
 * caller's verified identity and the request (path, method, headers). A refusal is a local 403
 * `RBAC: access denied` with details `rbac_access_denied_matched_policy[<policy>|none]` (what
 * %RESPONSE_CODE_DETAILS% prints in the access log); decisions are counted in
 * `http.<stat_prefix>.rbac.<rules_stat_prefix>allowed|denied` (and `shadow_*` for shadow rules).
 * A route can replace or disable the rules with an `RBACPerRoute`.
 */
import { Fields, type Json, newContext } from '../config/fields';
import { log } from '../log';
import { parseRbacRules, type RbacEngine } from '../rbac/rbac-engine';
import type { RbacRequest } from '../rbac/rbac-request';
import type { Counter } from '../stats/metric';
import type { FilterCallbacks, FilterStatsScope, FilterStatus, HttpFilter } from './http-filter';

export const RBAC_TYPE = 'envoy.extensions.filters.http.rbac.v3.RBAC';
const PER_ROUTE_TYPE = 'envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
const NAME = 'envoy.filters.http.rbac';

interface Counters {
  allowed: Counter;
  denied: Counter;
  shadowAllowed: Counter;
  shadowDenied: Counter;
}

interface RbacConfig {
  /** Undefined: no enforcement (Envoy: rules absent). */
  readonly rules: RbacEngine | undefined;
  readonly shadow: RbacEngine | undefined;
}

function parseConfig(f: Fields): RbacConfig & { rulesStatPrefix: string; shadowRulesStatPrefix: string } {
  const r = f.object('rules');
  const s = f.object('shadow_rules');
  const out = {
    rules: r ? parseRbacRules(r) : undefined,
    shadow: s ? parseRbacRules(s) : undefined,
    rulesStatPrefix: f.string('rules_stat_prefix', '') ?? '',
    shadowRulesStatPrefix: f.string('shadow_rules_stat_prefix', '') ?? '',
  };
  f.accept('track_per_rule_stats');
  f.done(['matcher', 'shadow_matcher']);
  return out;
}

export class RbacFilter implements HttpFilter {
  readonly name = NAME;
  private counters: Counters | undefined;
  /** Per-route configs, parsed once per route config object. */
  private readonly perRoute = new WeakMap<Json, RbacConfig | Error>();

  constructor(
    private readonly config: RbacConfig,
    private readonly rulesStatPrefix: string,
    private readonly shadowRulesStatPrefix: string,
  ) {}

  bindStats(scope: FilterStatsScope): void {
    const p = `${scope.prefix}rbac.`;
    this.counters = {
      allowed: scope.store.counter(`${p}${this.rulesStatPrefix}allowed`),
      denied: scope.store.counter(`${p}${this.rulesStatPrefix}denied`),
      shadowAllowed: scope.store.counter(`${p}${this.shadowRulesStatPrefix}shadow_allowed`),
      shadowDenied: scope.store.counter(`${p}${this.shadowRulesStatPrefix}shadow_denied`),
    };
  }

  private effective(cb: FilterCallbacks): RbacConfig | Error {
    const raw = cb.route()?.route.perFilterConfig.get(NAME);
    if (!raw) return this.config;
    let c = this.perRoute.get(raw);
    if (!c) {
      try {
        const f = Fields.of(raw, `typed_per_filter_config["${NAME}"]`, newContext());
        const type = String(raw['@type'] ?? '').replace(/^.*\//, '');
        if (type !== PER_ROUTE_TYPE) f.fail('@type', `must be ${PER_ROUTE_TYPE}`);
        f.accept('@type');
        const inner = f.object('rbac');
        // An RBACPerRoute without `rbac` (or with empty rules) disables the filter on the route.
        c = inner ? parseConfig(inner) : { rules: undefined, shadow: undefined };
        f.done();
      } catch (e) {
        c = e as Error;
      }
      this.perRoute.set(raw, c);
    }
    return c;
  }

  decodeHeaders(cb: FilterCallbacks): FilterStatus {
    const config = this.effective(cb);
    if (config instanceof Error) {
      // A per-route config that cannot be read must not open the route: refuse.
      log.warn(`rbac: ${config.message}`);
      return this.deny(cb, 'invalid_per_route_config');
    }
    const conn = cb.conn;
    const r: RbacRequest = {
      request: cb.request,
      peer: conn.peer,
      directRemoteIp: conn.remoteAddress,
      remoteIp: cb.info.downstreamRemoteAddress,
      localIp: conn.localAddress,
      localPort: conn.localPort,
    };
    if (config.shadow) {
      const d = config.shadow.evaluate(r);
      (d.allowed ? this.counters?.shadowAllowed : this.counters?.shadowDenied)?.inc();
    }
    if (!config.rules) return 'continue';
    const d = config.rules.evaluate(r);
    if (d.allowed) {
      this.counters?.allowed.inc();
      return 'continue';
    }
    return this.deny(cb, d.policy ?? 'none');
  }

  private deny(cb: FilterCallbacks, policy: string): FilterStatus {
    this.counters?.denied.inc();
    log.debug(
      `rbac: denied ${cb.request.method} ${cb.request.path} from ${cb.conn.peer?.principal ?? 'unauthenticated'}`,
    );
    cb.sendLocalReply(403, 'RBAC: access denied', { details: `rbac_access_denied_matched_policy[${policy}]` });
    return 'stop';
  }
}

export function parseRbacFilter(f: Fields): HttpFilter {
  const c = parseConfig(f);
  return new RbacFilter({ rules: c.rules, shadow: c.shadow }, c.rulesStatPrefix, c.shadowRulesStatPrefix);
}
