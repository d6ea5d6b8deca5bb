/** What a host's connection pool needs from its cluster: limits, stats and timeouts. */
import type { ClusterStats } from '../cluster/cluster-stats';
import type { Host } from '../cluster/host';
import type { ResourceManager } from '../cluster/resource-manager';
import type { Http2Options } from '../config/cluster';
import type { ClientTlsContext } from '../tls/client-tls-context';

export interface PoolContext {
  readonly host: Host;
  readonly stats: ClusterStats;
  readonly resources: ResourceManager;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxRequestsPerConnection: number;
  readonly http2: Http2Options;
  /** The cluster's TLS transport socket; undefined for plaintext. */
  readonly tls?: ClientTlsContext;
}

/** Header map from a raw `[name, value, name, value…]` list (undici's response headers). */
export function headersFromRaw(raw: Array<Buffer | string> | null | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (typeof prev === 'string') out[name] = [prev, value];
    else prev.push(value);
  }
  return out;
}
