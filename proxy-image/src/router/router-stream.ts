/**
 * What the router needs from the request it serves (implemented by the connection manager's
 * active stream): the request, its body and info, and the response side.
 */
import type { ClusterManager } from '../cluster/cluster-manager';
import type { HcmConfig } from '../config/http-connection-manager';
import type { RouterConfig } from '../filters/registry';
import type { HeaderMap, RequestHeaders } from '../http/header-map';
import type { RequestBody } from '../http/request-body';
import type { StreamInfo } from '../http/stream-info';
import type { RouteMatchResult, RouteTable } from './route-table';

export interface LocalReplyOptions {
  readonly flag?: number;
  readonly details: string;
  readonly headers?: HeaderMap;
  /** gRPC status to use instead of the one mapped from the HTTP status. */
  readonly grpcStatus?: number;
}

export interface RouterStream {
  readonly request: RequestHeaders;
  readonly body: RequestBody;
  readonly info: StreamInfo;
  readonly internal: boolean;
  readonly grpc: boolean;
  readonly hcm: HcmConfig;
  readonly routerConfig: RouterConfig;
  readonly clusterManager: ClusterManager;
  readonly downstreamIsHttp2: boolean;
  /** The downstream's address (hash policy `source_ip`). */
  readonly sourceIp: string;
  route(): RouteMatchResult | undefined;
  routeTable(): RouteTable | undefined;
  sendLocalReply(status: number, body: string | Buffer | undefined, opts: LocalReplyOptions): void;
  encodeHeaders(status: number, headers: HeaderMap, endStream: boolean): void;
  /** False: the downstream is full; wait for `onDownstreamDrain`. */
  encodeData(chunk: Buffer): boolean;
  onDownstreamDrain(cb: () => void): void;
  encodeEnd(trailers: HeaderMap | undefined): void;
  resetDownstream(flag: number): void;
  readonly headersSent: boolean;
  /** Called if the downstream goes away before the response ends. */
  onDownstreamAbort(cb: () => void): void;
}
