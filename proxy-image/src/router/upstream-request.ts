/**
 * One attempt of a routed request (Envoy's UpstreamRequest): takes a host from the cluster,
 * a stream from the host's pool, counts the attempt in the cluster and host stats, and relays
 * the pool's callbacks to the router. The router decides about retries and timeouts.
 */
import type { Cluster } from '../cluster/cluster';
import type { Host } from '../cluster/host';
import type { QueuedTimer } from '../event/timer-queue';
import type { HeaderMap } from '../http/header-map';
import type { UpstreamCallbacks, UpstreamFailure, UpstreamRequestSpec, UpstreamStream } from '../upstream/conn-pool';

export interface AttemptCallbacks {
  onHeaders(a: UpstreamRequest, status: number, headers: HeaderMap, endStream: boolean): void;
  onData(a: UpstreamRequest, chunk: Buffer): void;
  onEnd(a: UpstreamRequest, trailers: HeaderMap | undefined): void;
  onError(a: UpstreamRequest, f: UpstreamFailure): void;
}

export class UpstreamRequest implements UpstreamCallbacks {
  private stream: UpstreamStream | undefined;
  /** performance.now() when the request went on the wire (for x-envoy-upstream-service-time). */
  startedAt = 0;
  headersReceived = false;
  done = false;
  private counted = false;
  perTryTimer: QueuedTimer | undefined;

  constructor(
    readonly cluster: Cluster,
    readonly host: Host,
    private readonly cb: AttemptCallbacks,
  ) {}

  start(spec: UpstreamRequestSpec, protocol: 'http1' | 'http2'): void {
    const { stats, resources } = this.cluster;
    resources.requests.inc();
    stats.upstream_rq_total.inc();
    stats.upstream_rq_active.inc();
    this.host.rqTotal++;
    this.host.rqActive++;
    this.counted = true;
    this.startedAt = performance.now();
    this.stream = this.cluster.pool(this.host, protocol).newStream(spec, this);
  }

  private release(): void {
    this.perTryTimer?.cancel();
    this.perTryTimer = undefined;
    if (!this.counted) return;
    this.counted = false;
    this.cluster.resources.requests.dec();
    this.cluster.stats.upstream_rq_active.dec();
    this.host.rqActive--;
  }

  /** Abandons the attempt (retry, timeout, downstream gone). */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.release();
    this.stream?.cancel();
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  onStart(): void {
    this.startedAt = performance.now();
  }

  onHeaders(status: number, headers: HeaderMap, endStream: boolean): void {
    if (this.done) return;
    this.headersReceived = true;
    this.cb.onHeaders(this, status, headers, endStream);
  }

  onData(chunk: Buffer): void {
    if (!this.done) this.cb.onData(this, chunk);
  }

  onEnd(trailers: HeaderMap | undefined): void {
    if (this.done) return;
    this.done = true;
    this.release();
    this.cluster.stats.upstream_rq_completed.inc();
    this.cb.onEnd(this, trailers);
  }

  onError(f: UpstreamFailure): void {
    if (this.done) return;
    this.done = true;
    this.release();
    this.cb.onError(this, f);
  }
}
