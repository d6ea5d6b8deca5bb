/**
 * What is known about one request as it goes (Envoy's StreamInfo): timing, bytes, the
 * response code and flags, the upstream chosen. The access log and header formatters read it.
 */
import { wallClockMs } from '../event/wall-clock';
import type { HeaderMap, RequestHeaders } from './header-map';

export class StreamInfo {
  /** Monotonic start (ms, performance.now()) for durations. */
  readonly start = performance.now();
  /** Wall clock at the start (for %START_TIME%, X-Ray), from the one clock read above. */
  readonly startTime = wallClockMs(this.start);
  /** Set when the last byte of the request was received. */
  requestEnd = 0;
  /** Set when the first response byte went downstream. */
  responseStart = 0;
  end = 0;
  responseCode = 0;
  responseCodeDetails = '';
  responseFlags = 0;
  bytesReceived = 0;
  bytesSent = 0;
  responseHeaders: HeaderMap | undefined;
  responseTrailers: HeaderMap | undefined;
  upstreamHost: string | undefined;
  upstreamCluster: string | undefined;
  upstreamLocalAddress: string | undefined;
  upstreamTransportFailureReason: string | undefined;
  routeName: string | undefined;
  /** The caller's verified URI SAN (SPIFFE ID), for %DOWNSTREAM_PEER_URI_SAN%. */
  downstreamPeerUriSan: string | undefined;
  attemptCount = 0;

  constructor(
    readonly protocol: string,
    /** The request headers as forwarded (after the connection manager's changes); none for TCP. */
    readonly request: RequestHeaders | undefined,
    readonly downstreamRemoteAddress: string,
    readonly downstreamRemotePort: number,
    readonly downstreamLocalAddress: string,
    readonly downstreamLocalPort: number,
    readonly connectionId: number,
  ) {}

  setFlag(flag: number): void {
    this.responseFlags |= flag;
  }

  /** Milliseconds since the start, rounded down as Envoy prints them. */
  elapsedMs(until = this.end || performance.now()): number {
    return Math.floor(until - this.start);
  }
}
