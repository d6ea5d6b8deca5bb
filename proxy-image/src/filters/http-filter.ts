/**
 * HTTP filters, Envoy style but cooperative: each filter sees the request headers in order
 * and either lets the stream continue or stops it (after sending a local reply). The router
 * is always last and is not one of these: the connection manager hands the stream to it.
 */

import type { ClusterManager } from '../cluster/cluster-manager';
import type { RequestHeaders } from '../http/header-map';
import type { RequestBody } from '../http/request-body';
import type { StreamInfo } from '../http/stream-info';
import type { DownstreamConnection } from '../listener/downstream-connection';
import type { RouteMatchResult } from '../router/route-table';
import type { LocalReplyOptions } from '../router/router-stream';
import type { StatsStore } from '../stats/store';

export type FilterStatus = 'continue' | 'stop';

/** What a filter may do with the stream it is decoding. */
export interface FilterCallbacks {
  readonly request: RequestHeaders;
  readonly body: RequestBody;
  readonly info: StreamInfo;
  /** The caller is inside the mesh (internal address). */
  readonly internal: boolean;
  /** The downstream connection: addresses and the verified TLS peer (`conn.peer`). */
  readonly conn: DownstreamConnection;
  /** The route the request matches now (per-route filter config lives there). */
  route(): RouteMatchResult | undefined;
  /** Headers changed in a way that affects routing: match again when the router asks. */
  clearRouteCache(): void;
  sendLocalReply(status: number, body: string | Buffer | undefined, opts: LocalReplyOptions): void;
}

/** Where a filter's stats go: Envoy's `http.<stat_prefix>.` scope of its connection manager. */
export interface FilterStatsScope {
  readonly store: StatsStore;
  /** `http.<stat_prefix>.` */
  readonly prefix: string;
  /** For filters that call out through a cluster (remote JWKS). */
  readonly clusterManager?: ClusterManager;
}

export interface HttpFilter {
  readonly name: string;
  /** Called once by the connection manager that runs the filter, before any stream. */
  bindStats?(scope: FilterStatsScope): void;
  decodeHeaders(cb: FilterCallbacks): FilterStatus | Promise<FilterStatus>;
}
