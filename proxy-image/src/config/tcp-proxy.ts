/** Envoy's `envoy.filters.network.tcp_proxy` config: a cluster (or weighted clusters) for raw TCP. */
import { type AccessLog, parseAccessLogs } from '../access-log/access-log';
import type { Fields } from './fields';

export interface TcpProxyConfig {
  readonly statPrefix: string;
  readonly clusters: ReadonlyArray<{ readonly name: string; readonly weight: number }>;
  readonly totalWeight: number;
  readonly idleTimeoutMs: number;
  readonly maxConnectAttempts: number;
  readonly accessLogs: readonly AccessLog[];
}

export function parseTcpProxy(f: Fields): TcpProxyConfig {
  const statPrefix = f.requiredString('stat_prefix');
  let clusters: Array<{ name: string; weight: number }>;
  const wc = f.object('weighted_clusters');
  if (f.has('cluster')) clusters = [{ name: f.requiredString('cluster'), weight: 1 }];
  else if (wc) {
    clusters = wc.array('clusters').map((c) => {
      const out = { name: c.requiredString('name'), weight: c.number('weight', 0) };
      c.done(['metadata_match']);
      return out;
    });
    wc.done();
  } else {
    f.done(['on_demand']);
    f.fail('', 'cluster or weighted_clusters is required');
  }
  const totalWeight = clusters.reduce((s, c) => s + c.weight, 0);
  if (totalWeight <= 0) f.fail('weighted_clusters', 'weights must add up to more than 0');
  const idleTimeoutMs = f.duration('idle_timeout', 3_600_000);
  const maxConnectAttempts = f.number('max_connect_attempts', 1);
  const accessLogs = parseAccessLogs(f.array('access_log'));
  f.done(['tunneling_config', 'on_demand', 'hash_policy', 'metadata_match']);
  return { statPrefix, clusters, totalWeight, idleTimeoutMs, maxConnectAttempts, accessLogs };
}
