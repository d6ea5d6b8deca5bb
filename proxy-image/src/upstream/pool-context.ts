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
