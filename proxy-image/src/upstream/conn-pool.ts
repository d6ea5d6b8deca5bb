/**
 * The connection pool contract (Envoy's ConnectionPool::Instance): the router asks a host's
 * pool for a stream and gets callbacks. Pools own keep-alive connections, count them against
 * the cluster's circuit breakers, queue requests while no connection is free (pending), and
 * report why a stream failed so the router can choose to retry.
 */
import type { HeaderMap } from '../http/header-map';
import type { RequestBody } from '../http/request-body';

export type UpstreamFailureKind =
  /** A circuit breaker was open: no connection or pending slot. */
  | 'overflow'
  /** The TCP connection could not be made (refused, timed out, unreachable). */
  | 'connect_failure'
  /** The connection or stream died before the response completed. */
  | 'reset'
  /** HTTP/2 REFUSED_STREAM: the upstream did not process the request (always safe to retry). */
  | 'refused_stream'
  /** The upstream broke the protocol (bad response). */
  | 'protocol_error';

export class UpstreamFailure extends Error {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    /** True when the failure came after some response bytes went downstream. */
    readonly afterHeaders = false,
  ) {
    super(message);
  }
}

export interface UpstreamRequestSpec {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  /** Header map without pseudo-headers and without `host`; owned by the pool once passed. */
  readonly headers: HeaderMap;
  readonly body: RequestBody;
}

export interface UpstreamCallbacks {
  /** The stream got a connection and the request is on its way (`localAddress` for logs). */
  onStart(localAddress: string | undefined): void;
  onHeaders(status: number, headers: HeaderMap, endStream: boolean): void;
  onData(chunk: Buffer): void;
  onEnd(trailers: HeaderMap | undefined): void;
  onError(failure: UpstreamFailure): void;
}

export interface UpstreamStream {
  /** Abandons the stream (timeout, downstream gone, retry): resets it and frees the connection. */
  cancel(): void;
  pause(): void;
  resume(): void;
}

export interface ConnPool {
  newStream(spec: UpstreamRequestSpec, cb: UpstreamCallbacks): UpstreamStream;
  /** Stops taking streams; closes connections once their streams end. */
  drain(): void;
  /** Active plus pending streams (the host's pool is idle when 0). */
  readonly busy: number;
}
