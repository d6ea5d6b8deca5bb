/**
 * Envoy's network RBAC filter (`envoy.filters.network.rbac`): authorizes a connection (before a
 * tcp_proxy or HTTP connection manager) by the peer's verified identity, addresses and port.
 * A refused connection is closed before any byte reaches the next filter; decisions are counted
 * in `<stat_prefix>.rbac.allowed|denied` (and `shadow_*`).
 */
import type { Fields } from '../config/fields';
import type { DownstreamConnection } from '../listener/downstream-connection';
import { log } from '../log';
import { parseRbacRules, type RbacEngine } from '../rbac/rbac-engine';
import type { Counter } from '../stats/metric';
import type { StatsStore } from '../stats/store';

export const NETWORK_RBAC_TYPE = 'envoy.extensions.filters.network.rbac.v3.RBAC';

export interface NetworkRbacConfig {
  readonly rules: RbacEngine | undefined;
  readonly shadow: RbacEngine | undefined;
  readonly statPrefix: string;
}

export function parseNetworkRbac(f: Fields): NetworkRbacConfig {
  const r = f.object('rules');
  const s = f.object('shadow_rules');
  const statPrefix = f.requiredString('stat_prefix');
  const enforcement = f.enumOf(
    'enforcement_type',
    ['ONE_TIME_ON_FIRST_BYTE', 'CONTINUOUS'] as const,
    'ONE_TIME_ON_FIRST_BYTE',
  );
  if (enforcement === 'CONTINUOUS') f.fail('enforcement_type', 'CONTINUOUS is not supported');
  const out = { rules: r ? parseRbacRules(r) : undefined, shadow: s ? parseRbacRules(s) : undefined, statPrefix };
  f.accept('shadow_rules_stat_prefix');
  f.done(['matcher', 'shadow_matcher', 'delay_deny']);
  return out;
}

/** Envoy's statPrefixJoin: one dot between the parts. */
function join(prefix: string, name: string): string {
  return prefix.endsWith('.') || prefix === '' ? `${prefix}${name}` : `${prefix}.${name}`;
}

export class NetworkRbacFilter {
  private readonly allowed: Counter;
  private readonly denied: Counter;
  private readonly shadowAllowed: Counter;
  private readonly shadowDenied: Counter;

  constructor(
    private readonly config: NetworkRbacConfig,
    store: StatsStore,
  ) {
    const p = join(config.statPrefix, 'rbac.');
    this.allowed = store.counter(`${p}allowed`);
    this.denied = store.counter(`${p}denied`);
    this.shadowAllowed = store.counter(`${p}shadow_allowed`);
    this.shadowDenied = store.counter(`${p}shadow_denied`);
  }

  /** True when the connection may go on; otherwise it was counted, logged and closed. */
  check(conn: DownstreamConnection): boolean {
    const r = {
      request: undefined,
      peer: conn.peer,
      directRemoteIp: conn.remoteAddress,
      remoteIp: conn.remoteAddress,
      localIp: conn.localAddress,
      localPort: conn.localPort,
    };
    if (this.config.shadow) {
      const d = this.config.shadow.evaluate(r);
      (d.allowed ? this.shadowAllowed : this.shadowDenied).inc();
    }
    if (!this.config.rules) return true;
    const d = this.config.rules.evaluate(r);
    if (d.allowed) {
      this.allowed.inc();
      return true;
    }
    this.denied.inc();
    log.info(
      `rbac: connection from ${conn.remoteAddress}:${conn.remotePort} (${conn.peer?.principal ?? 'unauthenticated'}) denied by policy ${d.policy ?? 'none'}`,
    );
    conn.socket.destroy();
    return false;
  }
}
