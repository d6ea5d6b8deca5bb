/**
 * Envoy's X-Ray tracer: one segment per request through the connection manager. The caller's
 * `X-Amzn-Trace-Id` decides sampling when it says `Sampled=0|1`; otherwise the local sampling
 * rules do. The request goes upstream with this segment as `Parent`, and a sampled segment is
 * sent to the X-Ray daemon over UDP when the request completes (`{"format":"json","version":1}`
 * header line, then the segment document). Sending never blocks or fails a request.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Json } from '../config/fields';
import { wallClockMs } from '../event/wall-clock';
import type { RequestHeaders } from '../http/header-map';
import { headerValue, pathOnly } from '../http/header-map';
import { formatResponseFlags } from '../http/response-flags';
import type { StreamInfo } from '../http/stream-info';
import { newTraceRoot, randomHex } from '../http/trace-id';
import { Sampler } from './sampling-rules';
import { formatTraceHeader, parseTraceHeader } from './trace-header';
import type { XRayConfig } from './xray-config';

const DAEMON_HEADER = '{"format":"json","version":1}\n';

let sockets: { v4?: Socket; v6?: Socket } = {};

function socketFor(address: string): Socket {
  const v6 = isIP(address) === 6;
  const key = v6 ? 'v6' : 'v4';
  let s = sockets[key];
  if (!s) {
    s = createSocket(v6 ? 'udp6' : 'udp4');
    // A daemon that is not there must not take the proxy down or keep it running.
    s.on('error', () => {});
    s.unref();
    sockets[key] = s;
  }
  return s;
}

/** Closes the daemon sockets (shutdown). */
export function closeTracerSockets(): void {
  for (const s of Object.values(sockets)) s?.close();
  sockets = {};
}

export class Span {
  readonly id = randomHex(8);
  readonly startTime = wallClockMs();

  constructor(
    private readonly tracer: XRayTracer,
    readonly traceId: string,
    readonly parentId: string | undefined,
    readonly sampled: boolean,
    private readonly extra: readonly string[],
  ) {}

  /** The `X-Amzn-Trace-Id` to send upstream: this segment is the parent. */
  get header(): string {
    return formatTraceHeader(this.traceId, this.id, this.sampled, this.extra);
  }

  finish(info: StreamInfo, request: RequestHeaders): void {
    if (this.sampled) this.tracer.send(this.segment(info, request));
  }

  private segment(info: StreamInfo, request: RequestHeaders): Json {
    const c = this.tracer.config;
    const status = info.responseCode;
    const length = Number(headerValue(info.responseHeaders ?? {}, 'content-length') ?? info.bytesSent);
    const userAgent = headerValue(request.headers, 'user-agent');
    return {
      name: c.segmentName,
      id: this.id,
      trace_id: this.traceId,
      ...(this.parentId ? { parent_id: this.parentId } : {}),
      start_time: this.startTime / 1000,
      end_time: (this.startTime + (info.end - info.start)) / 1000,
      ...(c.origin ? { origin: c.origin } : {}),
      ...(c.aws ? { aws: c.aws } : {}),
      http: {
        request: {
          method: request.method,
          url: `${request.scheme}://${request.authority}${pathOnly(request.path)}`,
          ...(userAgent ? { user_agent: userAgent } : {}),
          client_ip: info.downstreamRemoteAddress,
        },
        response: { status, content_length: Number.isFinite(length) ? length : 0 },
      },
      ...(status >= 400 && status < 500 ? { error: true } : {}),
      ...(status === 429 ? { throttle: true } : {}),
      ...(status >= 500 || status === 0 ? { fault: true } : {}),
      annotations: {
        response_flags: formatResponseFlags(info.responseFlags),
        ...(info.upstreamCluster ? { upstream_cluster: info.upstreamCluster } : {}),
        ...(request.headers['x-request-id'] ? { request_id: headerValue(request.headers, 'x-request-id') } : {}),
      },
    };
  }
}

export class XRayTracer {
  private readonly sampler: Sampler;

  constructor(readonly config: XRayConfig) {
    this.sampler = new Sampler(config.sampling);
  }

  /** Starts the segment of a request; `incoming` is the caller's X-Amzn-Trace-Id, if any. */
  startSpan(incoming: string | undefined, request: RequestHeaders): Span {
    const h = parseTraceHeader(incoming);
    const sampled = h.sampled ?? this.sampler.shouldSample(request.authority, request.method, pathOnly(request.path));
    const root = h.root ?? newTraceRoot();
    return new Span(this, root, h.parent, sampled, h.extra);
  }

  send(segment: Json): void {
    const { address, port } = this.config.daemon;
    socketFor(address).send(DAEMON_HEADER + JSON.stringify(segment), port, address);
  }
}
