/**
 * xDS over gRPC, state of the world (Envoy's GrpcMuxImpl): one bidirectional stream (ADS
 * carries every type; `api_type: GRPC` opens one mux per type) on which the proxy sends a
 * DiscoveryRequest per watched type and ACKs or NACKs each response: ACK echoes the response's
 * `version_info` and `nonce`; NACK keeps the last accepted version and carries `error_detail`.
 * The stream reconnects with jittered back-off and re-sends the current watches.
 */
import type * as grpc from '@grpc/grpc-js';
import { grpcServiceDefinition } from '../../../lib/envoy';
import type { Json } from '../config/fields';
import { log } from '../log';
import type { Gauge } from '../stats/metric';
import type { Subscription, SubscriptionCallbacks } from './subscription';

interface Watch {
  readonly typeUrl: string;
  readonly cb: SubscriptionCallbacks;
  names: readonly string[];
  version: string;
  nonce: string;
  active: boolean;
}

export interface MuxService {
  readonly service: string;
  readonly method: string;
}

export const ADS_SERVICE: MuxService = {
  service: 'envoy.service.discovery.v3.AggregatedDiscoveryService',
  method: 'StreamAggregatedResources',
};

export const PER_TYPE_SERVICES: Record<string, MuxService> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': {
    service: 'envoy.service.listener.v3.ListenerDiscoveryService',
    method: 'StreamListeners',
  },
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': {
    service: 'envoy.service.cluster.v3.ClusterDiscoveryService',
    method: 'StreamClusters',
  },
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': {
    service: 'envoy.service.route.v3.RouteDiscoveryService',
    method: 'StreamRoutes',
  },
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': {
    service: 'envoy.service.endpoint.v3.EndpointDiscoveryService',
    method: 'StreamEndpoints',
  },
};

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * @grpc/grpc-js is loaded when a proxy first opens a gRPC stream: a proxy fed by files, REST or
 * S3 never pays its ~0.3 MiB of code and the heap its module graph builds. The literal require()
 * lets the image build ship it as a separate file (scripts/build.ts).
 */
let grpcJsModule: typeof import('@grpc/grpc-js') | undefined;
function grpcModule(): typeof import('@grpc/grpc-js') {
  grpcJsModule ??= require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  return grpcJsModule;
}

type Stream = grpc.ClientDuplexStream<Json, Json>;

export class GrpcMux {
  private readonly watches = new Map<string, Watch>();
  private client: grpc.Client | undefined;
  private stream: Stream | undefined;
  private firstMessage = true;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly svc: MuxService,
    private readonly target: () => string | undefined,
    private readonly node: Json,
    private readonly nodeOnFirstOnly: boolean,
    private readonly connected: Gauge,
  ) {}

  subscribe(typeUrl: string, cb: SubscriptionCallbacks): Subscription {
    const watch: Watch = { typeUrl, cb, names: [], version: '', nonce: '', active: false };
    return {
      start: (names) => {
        watch.names = names;
        watch.active = true;
        this.watches.set(typeUrl, watch);
        this.ensureStream();
        this.send(watch);
      },
      updateNames: (names) => {
        watch.names = names;
        this.send(watch);
      },
      stop: () => {
        watch.active = false;
        this.watches.delete(typeUrl);
        if (this.watches.size === 0) this.stop();
      },
    };
  }

  private ensureStream(): void {
    if (this.stream || this.stopped || this.retryTimer) return;
    const target = this.target();
    if (!target) {
      this.scheduleReconnect('no healthy host in the xDS cluster');
      return;
    }
    if (!this.client) {
      const grpcJs = grpcModule();
      const Ctor = grpcJs.makeGenericClientConstructor(grpcServiceDefinition(this.svc.service), this.svc.service);
      this.client = new Ctor(target, grpcJs.credentials.createInsecure(), {
        'grpc.keepalive_time_ms': 60_000,
        'grpc.max_receive_message_length': 64 * 1024 * 1024,
      });
    }
    const method = (this.client as unknown as Record<string, () => Stream>)[this.svc.method].bind(this.client);
    const stream = method();
    this.stream = stream;
    this.firstMessage = true;
    stream.on('data', (msg: Json) => {
      if (this.attempt !== 0) log.info(`xDS stream to ${target} established`);
      this.attempt = 0;
      this.connected.set(1);
      this.onResponse(msg);
    });
    stream.on('metadata', () => this.connected.set(1));
    const closed = (why: string) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.connected.set(0);
      for (const w of this.watches.values()) w.nonce = '';
      this.scheduleReconnect(why);
    };
    stream.on('error', (e: Error) => closed(e.message));
    stream.on('end', () => closed('stream ended'));
    for (const w of this.watches.values()) if (w.active) this.send(w);
  }

  private scheduleReconnect(why: string): void {
    if (this.stopped || this.retryTimer) return;
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt++;
    const delay = Math.random() * cap;
    for (const w of this.watches.values()) w.cb.onFailure(`xDS stream: ${why}`, false);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureStream();
    }, delay);
    this.retryTimer.unref();
  }

  private send(w: Watch, errorDetail?: { code: number; message: string }): void {
    if (!this.stream) return;
    const req: Json = {
      version_info: w.version,
      resource_names: [...w.names],
      type_url: w.typeUrl,
      response_nonce: w.nonce,
    };
    if (!this.nodeOnFirstOnly || this.firstMessage) req.node = this.node;
    if (errorDetail) req.error_detail = errorDetail;
    this.firstMessage = false;
    this.stream.write(req);
  }

  private onResponse(msg: Json): void {
    const typeUrl = String(msg.type_url ?? '');
    const w = this.watches.get(typeUrl);
    if (!w) return;
    const nonce = String(msg.nonce ?? '');
    const version = String(msg.version_info ?? '');
    const resources = Array.isArray(msg.resources) ? (msg.resources as Json[]) : [];
    w.nonce = nonce;
    try {
      w.cb.onUpdate(resources, version);
      w.version = version;
      this.send(w);
    } catch (e) {
      this.send(w, { code: 3, message: (e as Error).message });
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.client?.close();
    this.connected.set(0);
  }
}
