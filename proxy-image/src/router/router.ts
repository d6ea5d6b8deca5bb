/**
 * The router filter (Envoy's `envoy.filters.http.router`): the last step of every request.
 * It takes the matched route, answers direct responses and redirects itself, and otherwise
 * forwards: picks the cluster (weighted split), rewrites path and host, applies header
 * changes, sets timeouts, and runs attempts with retries and back-off until one produces a
 * response to stream back (or it gives up with Envoy's local reply and response flags).
 */
import type { Cluster } from '../cluster/cluster';
import type { Host } from '../cluster/host';
import { type QueuedTimer, timerQueue } from '../event/timer-queue';
import { stripHopByHop } from '../http/header-hygiene';
import type { HeaderMap } from '../http/header-map';
import { GrpcStatus } from '../http/local-reply';
import { ResponseFlag } from '../http/response-flags';
import type { UpstreamFailure } from '../upstream/conn-pool';
import { applyAll, type HeaderMutation } from './header-mutation';
import { RetryState } from './retry-state';
import { redirectLocation, rewritePath } from './rewrite';
import type { ClusterSpecifier, DirectResponseAction, ForwardAction, WeightedCluster } from './route-action';
import type { RouteMatchResult } from './route-table';
import type { RouterStream } from './router-stream';
import { finalTimeouts } from './timeouts';
import { type AttemptCallbacks, UpstreamRequest } from './upstream-request';

/** Control headers the router consumes; never forwarded upstream. */
/** How long a request waits for its route's cluster to finish warming. */
const WARMING_WAIT_MS = 5000;

const CONTROL_HEADERS = new Set([
  'x-envoy-max-retries',
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-retriable-status-codes',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-expected-rq-timeout-ms',
]);

const RESET_REASON: Record<string, string> = {
  connect_failure: 'connection failure',
  reset: 'connection termination',
  refused_stream: 'remote refused stream reset',
  protocol_error: 'protocol error',
  overflow: 'overflow',
};

const FAILURE_FLAG: Record<string, number> = {
  connect_failure: ResponseFlag.UpstreamConnectionFailure,
  reset: ResponseFlag.UpstreamConnectionTermination,
  refused_stream: ResponseFlag.UpstreamRemoteReset,
  protocol_error: ResponseFlag.UpstreamProtocolError,
  overflow: ResponseFlag.UpstreamOverflow,
};

function pickWeighted(clusters: readonly WeightedCluster[], total: number): WeightedCluster {
  let r = Math.random() * total;
  for (const c of clusters) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return clusters[clusters.length - 1];
}

export class Router implements AttemptCallbacks {
  private cluster!: Cluster;
  private weighted: WeightedCluster | undefined;
  private retry: RetryState | undefined;
  private attempt: UpstreamRequest | undefined;
  private attempts = 0;
  private globalTimer: QueuedTimer | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private perTryMs = 0;
  private globalMs = 0;
  private tried: Set<Host> | undefined;
  private upstreamHeaders!: HeaderMap;
  private path!: string;
  private authority!: string;
  private done = false;
  private waitedForWarming = false;
  private hash: number | undefined;
  private requestMutations: HeaderMutation[] = [];
  private responseMutations: HeaderMutation[] = [];

  constructor(
    private readonly s: RouterStream,
    private readonly match: RouteMatchResult,
  ) {}

  /** Runs the route's action. */
  start(): void {
    const { route, virtualHost } = this.match;
    this.s.info.routeName = route.name;
    const table = this.s.routeTable()!;
    const order = [route, virtualHost, table];
    if (table.mostSpecificHeaderMutationsWins) order.reverse();
    this.requestMutations = order.map((o) => o.requestMutation);
    this.responseMutations = order.map((o) => o.responseMutation);
    const action = route.action;
    if (action.kind === 'direct_response') {
      this.directResponse(action);
      return;
    }
    if (action.kind === 'redirect') {
      const location = redirectLocation(action, route, this.s.request);
      const headers: HeaderMap = { location };
      applyAll(this.responseMutations, headers, this.s.info);
      this.s.sendLocalReply(action.status, undefined, { details: 'redirect', headers });
      return;
    }
    this.forward(action);
  }

  private directResponse(action: DirectResponseAction): void {
    const headers: HeaderMap = {};
    if (action.body) {
      headers['content-type'] = 'text/plain';
      headers['content-length'] = String(action.body.length);
    } else headers['content-length'] = '0';
    applyAll(this.responseMutations, headers, this.s.info);
    this.s.info.responseCodeDetails = 'direct_response';
    const end = !action.body || this.s.request.method === 'HEAD';
    this.s.encodeHeaders(action.status, headers, end);
    if (!end) {
      this.s.encodeData(action.body!);
      this.s.encodeEnd(undefined);
    }
  }

  private clusterName(spec: ClusterSpecifier): string | undefined {
    if (spec.kind === 'cluster') return spec.name;
    if (spec.kind === 'header') {
      const v = this.s.request.headers[spec.header];
      return typeof v === 'string' ? v : undefined;
    }
    this.weighted = pickWeighted(spec.clusters, spec.total);
    return this.weighted.name;
  }

  private forward(action: ForwardAction): void {
    const s = this.s;
    const name = this.clusterName(action.cluster);
    const cluster = name ? s.clusterManager.get(name) : undefined;
    const warming = name && !cluster && !this.waitedForWarming ? s.clusterManager.getWarming(name) : undefined;
    if (warming) {
      // Routes can arrive before their new cluster has warmed (RDS right after CDS): wait for
      // it, briefly, instead of answering "no cluster" for a cluster that is on its way.
      this.waitedForWarming = true;
      s.onDownstreamAbort(() => this.finish());
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, WARMING_WAIT_MS);
      });
      void Promise.race([warming.ready, bounded]).then(() => {
        clearTimeout(timer);
        if (!this.done) this.forward(action);
      });
      return;
    }
    if (!cluster) {
      s.sendLocalReply(action.clusterNotFoundCode, undefined, {
        flag: ResponseFlag.NoClusterFound,
        details: 'cluster_not_found',
      });
      return;
    }
    this.cluster = cluster;
    s.info.upstreamCluster = cluster.name;
    const policy = action.retryPolicy ?? this.match.virtualHost.retryPolicy;
    const timeouts = finalTimeouts(
      action,
      policy,
      s.request,
      s.internal,
      s.grpc,
      s.routerConfig.respectExpectedRqTimeout,
    );
    this.globalMs = timeouts.globalMs;
    this.perTryMs = timeouts.perTryMs;
    this.retry = RetryState.create(policy, s.request, s.internal, cluster.resources);
    if (this.retry?.avoidPreviousHosts) this.tried = new Set();
    this.hash = action.hashPolicy?.hash(s.request, s.sourceIp);
    this.buildUpstreamHeaders(action);
    s.onDownstreamAbort(() => this.onDownstreamAbort());
    // The route timeout runs from the end of the request (Envoy's rule), so uploads are not cut short.
    if (this.globalMs > 0) {
      if (s.body.ended) this.armGlobalTimeout();
      else {
        const prev = s.body.onEnd;
        s.body.onEnd = () => {
          prev?.();
          this.armGlobalTimeout();
        };
        s.body.watchEnd();
      }
    }
    this.startAttempt();
  }

  private buildUpstreamHeaders(action: ForwardAction): void {
    const s = this.s;
    // A copy without the control headers, built rather than spread-then-deleted (deleting keys
    // makes a slow dictionary-mode object of a map that is read and written again below).
    const h: HeaderMap = {};
    const src = s.request.headers;
    for (const name in src) if (!CONTROL_HEADERS.has(name)) h[name] = src[name];
    if (this.weighted) this.weighted.requestMutation.apply(h, s.info);
    applyAll(this.requestMutations, h, s.info);
    let path = s.request.path;
    const rewritten = rewritePath(action, this.match.route, path);
    if (rewritten !== path) {
      h['x-envoy-original-path'] = path;
      path = rewritten;
    }
    let authority = s.request.authority;
    const hostLiteral = this.weighted?.hostRewriteLiteral ?? action.hostRewriteLiteral;
    if (hostLiteral) authority = hostLiteral;
    else if (action.hostRewriteHeader) {
      const v = h[action.hostRewriteHeader];
      if (typeof v === 'string' && v) authority = v;
    }
    const expected = this.perTryMs || this.globalMs;
    if (expected > 0 && !s.routerConfig.suppressEnvoyHeaders) h['x-envoy-expected-rq-timeout-ms'] = String(expected);
    this.upstreamHeaders = h;
    this.path = path;
    this.authority = authority;
  }

  private armGlobalTimeout(): void {
    if (this.done || this.globalTimer || this.globalMs <= 0) return;
    this.globalTimer = timerQueue(this.globalMs).start(() => this.onGlobalTimeout());
  }

  private startAttempt(): void {
    if (this.done) return;
    const s = this.s;
    const cluster = this.cluster;
    const host = cluster.chooseHost(
      this.hash === undefined ? undefined : { hash: this.hash },
      this.tried,
      this.retry?.hostSelectionAttempts ?? 1,
    );
    if (!host) {
      cluster.stats.upstream_cx_none_healthy.inc();
      this.finishWithLocalReply(503, 'no healthy upstream', ResponseFlag.NoHealthyUpstream, 'no_healthy_upstream');
      return;
    }
    if (!cluster.resources.requests.canCreate()) {
      cluster.stats.upstream_rq_pending_overflow.inc();
      this.overflow();
      return;
    }
    if (this.attempts > 0 && !s.body.canReplay()) {
      // Part of the body is gone upstream and was not kept: a retry cannot resend it.
      this.finishWithLocalReply(
        503,
        'upstream request body not replayable',
        ResponseFlag.UpstreamRetryLimitExceeded,
        'retry_body_not_buffered',
      );
      return;
    }
    this.attempts++;
    this.tried?.add(host);
    s.info.upstreamHost = host.key;
    s.info.attemptCount = this.attempts;
    // Each attempt may carry its own count; otherwise every attempt sends the same headers (the
    // pool only sets `host`, to the same authority each time), so none needs a copy.
    let headers = this.upstreamHeaders;
    if (this.match.virtualHost.includeRequestAttemptCount) {
      headers = { ...headers, 'x-envoy-attempt-count': String(this.attempts) };
    }
    const configured = cluster.config.protocol;
    const protocol = configured === 'downstream' ? (s.downstreamIsHttp2 ? 'http2' : 'http1') : configured;
    const a = new UpstreamRequest(cluster, host, this);
    this.attempt = a;
    a.start(
      { method: s.request.method, path: this.path, authority: this.authority, scheme: 'http', headers, body: s.body },
      protocol,
    );
    if (this.perTryMs > 0 && !a.done) {
      a.perTryTimer = timerQueue(this.perTryMs).start(() => this.onPerTryTimeout(a));
    }
  }

  private overflow(): void {
    const headers: HeaderMap = this.s.routerConfig.suppressEnvoyHeaders ? {} : { 'x-envoy-overloaded': 'true' };
    this.finishWithLocalReply(
      503,
      'upstream connect error or disconnect/reset before headers. reset reason: overflow',
      ResponseFlag.UpstreamOverflow,
      'overflow',
      headers,
    );
  }

  private scheduleRetry(): void {
    const retry = this.retry!;
    this.cluster.stats.upstream_rq_retry.inc();
    this.cluster.stats.upstream_rq_retry_backoff_exponential.inc();
    const delay = retry.backoffMs(this.attempts);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startAttempt();
    }, delay);
  }

  private outlierReport(a: UpstreamRequest, status: number, local: boolean): void {
    this.cluster.outlier?.report(a.host, status, local);
    if (local || status >= 500) a.host.rqError++;
    else a.host.rqSuccess++;
  }

  // ---- attempt callbacks ----

  onHeaders(a: UpstreamRequest, status: number, headers: HeaderMap, endStream: boolean): void {
    if (a !== this.attempt || this.done) return;
    const s = this.s;
    this.outlierReport(a, status, false);
    this.cluster.stats.responseCode(status);
    if (this.retry) {
      this.retry.attemptDone();
      const d = this.retry.onResponse(status, headers, s.grpc);
      if (d === 'retry') {
        a.cancel();
        this.scheduleRetry();
        // The retry slot was taken by onResponse; it is released when the retried attempt ends.
        return;
      }
      if (d === 'overflow') this.cluster.stats.upstream_rq_retry_overflow.inc();
      if (d === 'limit') {
        this.cluster.stats.upstream_rq_retry_limit_exceeded.inc();
        s.info.setFlag(ResponseFlag.UpstreamRetryLimitExceeded);
      }
      if (d === 'no' && this.attempts > 1) this.cluster.stats.upstream_rq_retry_success.inc();
    }
    if (a.perTryTimer) {
      // Once headers go downstream, only the route timeout can end the request (as Envoy).
      a.perTryTimer.cancel();
      a.perTryTimer = undefined;
    }
    headers = stripHopByHop(headers);
    if (this.weighted) this.weighted.responseMutation.apply(headers, s.info);
    applyAll(this.responseMutations, headers, s.info);
    if (!s.routerConfig.suppressEnvoyHeaders) {
      headers['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - a.startedAt));
    }
    if (this.match.virtualHost.includeAttemptCountInResponse) headers['x-envoy-attempt-count'] = String(this.attempts);
    s.encodeHeaders(status, headers, endStream);
    if (endStream) this.complete(a);
  }

  onData(a: UpstreamRequest, chunk: Buffer): void {
    if (a !== this.attempt || this.done) return;
    if (!this.s.encodeData(chunk)) {
      a.pause();
      this.s.onDownstreamDrain(() => a.resume());
    }
  }

  onEnd(a: UpstreamRequest, trailers: HeaderMap | undefined): void {
    if (a !== this.attempt || this.done) return;
    this.cluster.stats.upstream_rq_time.record(performance.now() - a.startedAt);
    if (!this.s.headersSent) return;
    this.complete(a);
    this.s.encodeEnd(trailers);
  }

  private complete(a: UpstreamRequest): void {
    if (a.headersReceived && !a.done) {
      // Headers with END_STREAM: the pool will report the end too; count the time now.
      this.cluster.stats.upstream_rq_time.record(performance.now() - a.startedAt);
    }
    this.finish();
  }

  onError(a: UpstreamRequest, f: UpstreamFailure): void {
    if (a !== this.attempt || this.done) return;
    const s = this.s;
    const cluster = this.cluster;
    if (f.kind !== 'overflow') this.outlierReport(a, 503, true);
    if (f.kind === 'reset' || f.kind === 'refused_stream') cluster.stats.upstream_rq_rx_reset.inc();
    if (s.headersSent) {
      // Mid-response: nothing to retry or replace; the downstream sees the reset.
      this.finish();
      s.resetDownstream(ResponseFlag.UpstreamRemoteReset);
      return;
    }
    if (f.kind === 'overflow') {
      this.overflowAfterRetry();
      return;
    }
    if (this.retry) {
      this.retry.attemptDone();
      const d = this.retry.onFailure(f.kind);
      if (d === 'retry') {
        this.scheduleRetry();
        return;
      }
      if (d === 'overflow') cluster.stats.upstream_rq_retry_overflow.inc();
      if (d === 'limit') {
        cluster.stats.upstream_rq_retry_limit_exceeded.inc();
        s.info.setFlag(ResponseFlag.UpstreamRetryLimitExceeded);
      }
    }
    s.info.upstreamTransportFailureReason = f.message;
    this.finishWithLocalReply(
      503,
      `upstream connect error or disconnect/reset before headers. reset reason: ${RESET_REASON[f.kind]}`,
      FAILURE_FLAG[f.kind],
      `upstream_reset_before_response_started{${RESET_REASON[f.kind].replace(/ /g, '_')}}`,
    );
  }

  private overflowAfterRetry(): void {
    this.retry?.attemptDone();
    this.overflow();
  }

  private onPerTryTimeout(a: UpstreamRequest): void {
    a.perTryTimer = undefined;
    if (a !== this.attempt || this.done || this.s.headersSent) return;
    const cluster = this.cluster;
    cluster.stats.upstream_rq_per_try_timeout.inc();
    a.host.rqTimeout++;
    a.cancel();
    this.outlierReport(a, 504, true);
    if (this.retry) {
      this.retry.attemptDone();
      const d = this.retry.onFailure('per_try_timeout');
      if (d === 'retry') {
        this.scheduleRetry();
        return;
      }
      if (d === 'overflow') cluster.stats.upstream_rq_retry_overflow.inc();
      if (d === 'limit') {
        cluster.stats.upstream_rq_retry_limit_exceeded.inc();
        this.s.info.setFlag(ResponseFlag.UpstreamRetryLimitExceeded);
      }
    }
    this.timeoutReply();
  }

  private onGlobalTimeout(): void {
    this.globalTimer = undefined;
    if (this.done) return;
    this.cluster.stats.upstream_rq_timeout.inc();
    const a = this.attempt;
    if (a && !a.done) {
      a.host.rqTimeout++;
      a.cancel();
      this.outlierReport(a, 504, true);
    }
    if (this.s.headersSent) {
      this.finish();
      this.s.resetDownstream(ResponseFlag.UpstreamRequestTimeout);
      return;
    }
    this.timeoutReply();
  }

  private timeoutReply(): void {
    this.finishWithLocalReply(
      504,
      'upstream request timeout',
      ResponseFlag.UpstreamRequestTimeout,
      'upstream_response_timeout',
      undefined,
      GrpcStatus.DEADLINE_EXCEEDED,
    );
  }

  private onDownstreamAbort(): void {
    if (this.done) return;
    this.s.info.setFlag(ResponseFlag.DownstreamConnectionTermination);
    this.attempt?.cancel();
    this.finish();
  }

  private finishWithLocalReply(
    status: number,
    body: string,
    flag: number,
    details: string,
    headers?: HeaderMap,
    grpcStatus?: number,
  ): void {
    this.finish();
    this.s.sendLocalReply(status, body, { flag, details, headers, grpcStatus });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.retry?.attemptDone();
    this.globalTimer?.cancel();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.globalTimer = undefined;
    this.retryTimer = undefined;
  }
}
