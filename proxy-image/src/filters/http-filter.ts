/**
 * HTTP filters, Envoy style but cooperative: each filter sees the request headers in order
 * and either lets the stream continue or stops it (after sending a local reply). The router
 * is always last and is not one of these: the connection manager hands the stream to it.
 */
import type { RequestHeaders } from '../http/header-map';
import type { RequestBody } from '../http/request-body';
import type { StreamInfo } from '../http/stream-info';
import type { LocalReplyOptions } from '../router/router-stream';

export type FilterStatus = 'continue' | 'stop';

/** What a filter may do with the stream it is decoding. */
export interface FilterCallbacks {
  readonly request: RequestHeaders;
  readonly body: RequestBody;
  readonly info: StreamInfo;
  /** The caller is inside the mesh (internal address). */
  readonly internal: boolean;
  /** Headers changed in a way that affects routing: match again when the router asks. */
  clearRouteCache(): void;
  sendLocalReply(status: number, body: string | Buffer | undefined, opts: LocalReplyOptions): void;
}

export interface HttpFilter {
  readonly name: string;
  decodeHeaders(cb: FilterCallbacks): FilterStatus | Promise<FilterStatus>;
}
