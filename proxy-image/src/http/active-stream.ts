/**
 * One request inside the HTTP connection manager (Envoy's ActiveStream): checks the request
 * against the hardening limits, applies the connection manager's header rules (hop-by-hop,
 * x-forwarded-*, x-request-id, trace id, stripping `x-envoy-*` from external callers), runs
 * the HTTP filters, then hands over to the router. The response comes back through
 * `encode*`, where the server header and drain rules are applied, stats counted and the access
 * log written. The route table is captured when the request starts, so a config swap never
 * mixes two configs in one request.
 */
import type { ClusterManager } from '../cluster/cluster-manager';
import type { HcmConfig } from '../config/http-connection-manager';
import { type QueuedTimer, timerQueue } from '../event/timer-queue';
import type { FilterCallbacks } from '../filters/http-filter';
import type { RouterConfig } from '../filters/registry';
import type { DownstreamConnection } from '../listener/downstream-connection';
import type { RouteMatchResult, RouteTable } from '../router/route-table';
import { Router } from '../router/router';
import type { LocalReplyOptions, RouterStream } from '../router/router-stream';
import type { Span } from '../tracing/xray-tracer';
import type { Downstream } from './downstream';
import type { HcmStats } from './hcm-stats';
import { stripHopByHop } from './header-hygiene';
import { appendHeader, type HeaderMap, headerValue, type RequestHeaders } from './header-map';
import { makeLocalReply } from './local-reply';
import { isNoop, normalizeRequestPath } from './path-normalization';
import type { RequestBody } from './request-body';
import { ResponseFlag } from './response-flags';
import { StreamInfo } from './stream-info';
import { newRequestId, newTraceId } from './trace-id';

/** What an active stream needs from its connection manager. */
export interface StreamContext {
  readonly config: HcmConfig;
  readonly stats: HcmStats;
  readonly clusterManager: ClusterManager;
  /** Draining: HTTP/1 responses say `Connection: close`. */
  isDraining(): boolean;
}

export class ActiveStream implements FilterCallbacks, RouterStream {
  readonly info: StreamInfo;
  readonly internal: boolean;
  readonly grpc: boolean;
  readonly hcm: HcmConfig;
  readonly routerConfig: RouterConfig;
  readonly clusterManager: ClusterManager;
  readonly downstreamIsHttp2: boolean;
  readonly sourceIp: string;
  private cachedRoute: RouteMatchResult | undefined | null = null;
  private responded = false;
  private done = false;
  private abortCbs: Array<() => void> = [];
  private idleTimer: QueuedTimer | undefined;
  private requestTimer: QueuedTimer | undefined;
  private span: Span | undefined;

  constructor(
    private readonly ctx: StreamContext,
    readonly conn: DownstreamConnection,
    private readonly downstream: Downstream,
    readonly request: RequestHeaders,
    readonly body: RequestBody,
    private readonly table: RouteTable | undefined,
  ) {
    this.hcm = ctx.config;
    this.routerConfig = ctx.config.filters.router;
    this.clusterManager = ctx.clusterManager;
    this.downstreamIsHttp2 = downstream.protocol === 'HTTP/2';
    this.sourceIp = conn.remoteAddress;
    this.internal = ctx.config.internalAddresses.has(conn.remoteAddress);
    this.grpc = headerValue(request.headers, 'content-type')?.startsWith('application/grpc') ?? false;
    this.info = new StreamInfo(
      downstream.protocol,
      request,
      conn.remoteAddress,
      conn.remotePort,
      conn.localAddress,
      conn.localPort,
      conn.id,
    );
    downstream.onAbort(() => this.onDownstreamAborted());
  }

  get headersSent(): boolean {
    return this.downstream.headersSent;
  }

  routeTable(): RouteTable | undefined {
    return this.table;
  }

  route(): RouteMatchResult | undefined {
    if (this.cachedRoute === null) this.cachedRoute = this.table?.route(this.request);
    return this.cachedRoute;
  }

  clearRouteCache(): void {
    this.cachedRoute = null;
  }

  /** Entry point: validate, mutate headers, filter, route. */
  run(rawHeaderCount: number): void {
    const { stats, config } = this.ctx;
    stats.downstream_rq_total.inc();
    if (this.downstreamIsHttp2) stats.downstream_rq_http2_total.inc();
    else stats.downstream_rq_http1_total.inc();
    stats.downstream_rq_active.inc();
    this.conn.activeStreams++;
    this.armTimers();
    const req = this.request;
    if (rawHeaderCount > config.maxHeadersCount) {
      this.sendLocalReply(431, 'Request Header Fields Too Large', {
        details: 'too_many_headers',
        flag: ResponseFlag.DownstreamProtocolError,
      });
      return;
    }
    if (config.headersWithUnderscoresAction !== 'ALLOW') {
      for (const name of Object.keys(req.headers)) {
        if (!name.includes('_')) continue;
        if (config.headersWithUnderscoresAction === 'REJECT_REQUEST') {
          stats.requests_rejected_with_underscores_in_headers.inc();
          this.sendLocalReply(400, 'Bad Request', {
            details: 'unexpected_underscore',
            flag: ResponseFlag.InvalidEnvoyRequestHeaders,
          });
          return;
        }
        stats.dropped_headers_with_underscores.inc();
        delete req.headers[name];
      }
    }
    if (!req.authority) {
      this.sendLocalReply(400, 'Bad Request', { details: 'missing_host_header' });
      return;
    }
    if (req.method === 'CONNECT') {
      stats.no_route.inc();
      this.sendLocalReply(404, undefined, { details: 'route_not_found', flag: ResponseFlag.NoRouteFound });
      return;
    }
    if (!isNoop(config.pathNormalization) && !this.normalizePath()) return;
    this.mutateRequestHeaders();
    const filters = config.filters.filters;
    if (filters.length === 0) {
      this.startRouter();
      return;
    }
    void this.runFilters(0);
  }

  private async runFilters(from: number): Promise<void> {
    const filters = this.ctx.config.filters.filters;
    for (let i = from; i < filters.length; i++) {
      let status = filters[i].decodeHeaders(this);
      if (status instanceof Promise) status = await status;
      if (status === 'stop' || this.responded || this.done) return;
    }
    this.startRouter();
  }

  private startRouter(): void {
    if (this.done) return;
    const match = this.route();
    if (!match) {
      this.ctx.stats.no_route.inc();
      this.sendLocalReply(404, undefined, { details: 'route_not_found', flag: ResponseFlag.NoRouteFound });
      return;
    }
    const kind = match.route.action.kind;
    if (kind === 'redirect') this.ctx.stats.rq_redirect.inc();
    else if (kind === 'direct_response') this.ctx.stats.rq_direct_response.inc();
    new Router(this, match).start();
  }

  /** Normalizes `:path` before anything reads it; false when a local reply was sent instead. */
  private normalizePath(): boolean {
    const result = normalizeRequestPath(this.request.path, this.ctx.config.pathNormalization);
    if (result.kind === 'forward') {
      this.request.path = result.path;
      return true;
    }
    if (result.kind === 'reject') {
      this.ctx.stats.downstream_rq_failed_path_normalization.inc();
      this.sendLocalReply(400, 'Bad Request', { details: result.details });
      return false;
    }
    this.ctx.stats.downstream_rq_redirected_with_normalized_path.inc();
    this.sendLocalReply(307, undefined, { details: 'path_redirect', headers: { location: result.path } });
    return false;
  }

  private mutateRequestHeaders(): void {
    const config = this.ctx.config;
    const req = this.request;
    const external = !this.internal;
    const internalOnly = this.table?.internalOnlyHeaders ?? [];
    const sanitizeXfcc = config.forwardClientCert === 'SANITIZE' || config.forwardClientCert === 'SANITIZE_SET';
    // One filtered copy instead of deletes (see header-hygiene.ts): host and expect are the
    // codec's, x-envoy-* and internal-only headers are trusted only from internal callers.
    const h = stripHopByHop(
      req.headers,
      undefined,
      (name) =>
        name === 'host' ||
        name === 'expect' ||
        (sanitizeXfcc && name === 'x-forwarded-client-cert') ||
        (external && (name.startsWith('x-envoy-') || internalOnly.includes(name))),
    );
    req.headers = h;
    const edge = config.useRemoteAddress && !this.internal;
    if (edge || h['x-forwarded-proto'] === undefined) h['x-forwarded-proto'] = req.scheme;
    if (config.useRemoteAddress) {
      if (!config.skipXffAppend) appendXff(h, this.conn.remoteAddress);
      if (this.internal) h['x-envoy-internal'] = 'true';
    }
    if (config.generateRequestId && (h['x-request-id'] === undefined || (edge && !config.preserveExternalRequestId))) {
      h['x-request-id'] = newRequestId();
    }
    if (config.tracer) {
      this.span = config.tracer.startSpan(headerValue(h, 'x-amzn-trace-id'), req);
      h['x-amzn-trace-id'] = this.span.header;
    } else if (h['x-amzn-trace-id'] === undefined) {
      h['x-amzn-trace-id'] = newTraceId(this.info.startTime);
    }
    if (config.via) appendHeader(h, 'via', config.via);
    if (config.stripPort !== 'none') {
      const colon = req.authority.lastIndexOf(':');
      if (colon > 0 && !req.authority.endsWith(']')) {
        const port = req.authority.slice(colon + 1);
        if (config.stripPort === 'any' || port === String(this.conn.localPort))
          req.authority = req.authority.slice(0, colon);
      }
    }
  }

  private armTimers(): void {
    const { config, stats } = this.ctx;
    if (config.streamIdleTimeoutMs > 0) {
      this.idleTimer = timerQueue(config.streamIdleTimeoutMs).start(() => {
        stats.downstream_rq_idle_timeout.inc();
        this.timeoutStream(408, 'stream timeout', 'stream_idle_timeout', ResponseFlag.StreamIdleTimeout);
      });
      // A body still to come refreshes the timer with each chunk (a GET has none to wait for).
      if (!this.body.ended) {
        const prev = this.body.onChunk;
        this.body.onChunk = () => {
          prev?.();
          this.idleTimer?.refresh();
        };
      }
    }
    if (config.requestTimeoutMs > 0 && !this.body.ended) {
      this.requestTimer = timerQueue(config.requestTimeoutMs).start(() => {
        if (this.body.ended) return;
        stats.downstream_rq_timeout.inc();
        this.timeoutStream(408, 'request timeout', 'request_overall_timeout', ResponseFlag.StreamIdleTimeout);
      });
    }
  }

  private timeoutStream(status: number, body: string, details: string, flag: number): void {
    if (this.done) return;
    for (const cb of this.abortCbs) cb();
    this.abortCbs = [];
    if (this.headersSent) this.resetDownstream(flag);
    else this.sendLocalReply(status, body, { details, flag });
  }

  // ---- FilterCallbacks / RouterStream ----

  sendLocalReply(status: number, body: string | Buffer | undefined, opts: LocalReplyOptions): void {
    if (this.done) return;
    if (opts.flag) this.info.setFlag(opts.flag);
    this.info.responseCodeDetails = opts.details;
    if (this.headersSent) {
      this.resetDownstream(0);
      return;
    }
    const reply = makeLocalReply(status, body, this.grpc, opts.headers, opts.grpcStatus);
    const end = !reply.body || this.request.method === 'HEAD';
    this.encodeHeaders(reply.status, reply.headers, end);
    if (!end) {
      this.encodeData(reply.body!);
      this.encodeEnd(undefined);
    }
  }

  encodeHeaders(status: number, headers: HeaderMap, endStream: boolean): void {
    if (this.done) return;
    this.responded = true;
    const config = this.ctx.config;
    if (config.serverHeaderTransformation === 'OVERWRITE') headers.server = config.serverName;
    else if (config.serverHeaderTransformation === 'APPEND_IF_ABSENT' && headers.server === undefined) {
      headers.server = config.serverName;
    }
    if (config.alwaysSetRequestIdInResponse) {
      const id = this.request.headers['x-request-id'];
      if (id !== undefined) headers['x-request-id'] = id;
    }
    if (config.via) appendHeader(headers, 'via', config.via);
    if (this.downstreamIsHttp2) headers = stripHopByHop(headers);
    const info = this.info;
    info.responseCode = status;
    info.responseHeaders = headers;
    info.responseStart = performance.now();
    this.downstream.respond(status, headers, endStream);
    if (endStream) this.complete();
  }

  encodeData(chunk: Buffer): boolean {
    if (this.done) return true;
    this.info.bytesSent += chunk.length;
    this.idleTimer?.refresh();
    return this.downstream.write(chunk);
  }

  onDownstreamDrain(cb: () => void): void {
    this.downstream.onDrain(cb);
  }

  encodeEnd(trailers: HeaderMap | undefined): void {
    if (this.done) return;
    this.info.responseTrailers = trailers;
    this.downstream.end(trailers && Object.keys(trailers).length ? trailers : undefined);
    this.complete();
  }

  resetDownstream(flag: number): void {
    if (this.done) return;
    if (flag) this.info.setFlag(flag);
    this.ctx.stats.downstream_rq_tx_reset.inc();
    this.downstream.reset();
    this.complete();
  }

  onDownstreamAbort(cb: () => void): void {
    this.abortCbs.push(cb);
  }

  private onDownstreamAborted(): void {
    if (this.done) return;
    this.ctx.stats.downstream_rq_rx_reset.inc();
    this.info.setFlag(ResponseFlag.DownstreamConnectionTermination);
    const cbs = this.abortCbs;
    this.abortCbs = [];
    for (const cb of cbs) cb();
    this.complete();
  }

  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.idleTimer?.cancel();
    this.requestTimer?.cancel();
    const { stats, config } = this.ctx;
    const info = this.info;
    info.end = performance.now();
    info.bytesReceived = this.body.received;
    stats.downstream_rq_active.dec();
    stats.downstream_rq_completed.inc();
    stats.downstream_rq_time.record(info.end - info.start);
    if (info.responseCode) stats.responseClass(info.responseCode);
    this.conn.activeStreams--;
    for (const l of config.accessLogs) l.log(info);
    this.span?.finish(info, this.request);
  }
}

function appendXff(h: HeaderMap, ip: string): void {
  const prev = h['x-forwarded-for'];
  if (prev === undefined) h['x-forwarded-for'] = ip;
  else h['x-forwarded-for'] = `${typeof prev === 'string' ? prev : prev.join(',')},${ip}`;
}
