/**
 * The xDS server: Envoy's discovery services over gRPC, streaming what the snapshot cache
 * holds. ADS (state of the world and delta) and the per-type services (CDS, EDS, LDS, RDS,
 * SDS: Stream* and Delta*) share the stream logic; REST-JSON is `rest.handle` on any HTTP
 * server. Messages are proto3 JSON through lib/envoy's codec.
 */
import {
  status as grpcStatus,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { grpcServiceDefinition } from '../envoy/grpc-service';
import { RESOURCE_TYPE_URLS } from '../envoy/type-urls';
import { ClientStatus, type Transport } from './client-status';
import { type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, DeltaStream } from './delta-stream';
import { defaultNodeKey, type NodeKey } from './node';
import { RestDiscovery } from './rest-discovery';
import type { SnapshotCache } from './snapshot-cache';
import { type DiscoveryRequest, type DiscoveryResponse, SotwStream } from './sotw-stream';

export interface XdsServerOptions {
  /** Which snapshot a node is served. @default proxies by node id, proxyless gRPC clients by `proxyless[/caller]` */
  readonly nodeKey?: NodeKey;
  readonly status?: ClientStatus;
  /** Called when a stream fails in a way the client cannot see (a response that will not encode). */
  readonly onError?: (message: string) => void;
}

const ADS = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** Per-type discovery services and the type each serves. */
const PER_TYPE: readonly { service: string; stream: string; delta: string; typeUrl: string }[] = [
  {
    service: 'envoy.service.cluster.v3.ClusterDiscoveryService',
    stream: 'StreamClusters',
    delta: 'DeltaClusters',
    typeUrl: RESOURCE_TYPE_URLS.clusters,
  },
  {
    service: 'envoy.service.endpoint.v3.EndpointDiscoveryService',
    stream: 'StreamEndpoints',
    delta: 'DeltaEndpoints',
    typeUrl: RESOURCE_TYPE_URLS.endpoints,
  },
  {
    service: 'envoy.service.listener.v3.ListenerDiscoveryService',
    stream: 'StreamListeners',
    delta: 'DeltaListeners',
    typeUrl: RESOURCE_TYPE_URLS.listeners,
  },
  {
    service: 'envoy.service.route.v3.RouteDiscoveryService',
    stream: 'StreamRoutes',
    delta: 'DeltaRoutes',
    typeUrl: RESOURCE_TYPE_URLS.routes,
  },
  {
    service: 'envoy.service.secret.v3.SecretDiscoveryService',
    stream: 'StreamSecrets',
    delta: 'DeltaSecrets',
    typeUrl: RESOURCE_TYPE_URLS.secrets,
  },
];

type Call<Req, Res> = ServerDuplexStream<Req, Res>;
interface XdsStream<Req> {
  handle(req: Req): void;
  close(): void;
}

export class XdsServer {
  readonly status: ClientStatus;
  readonly rest: RestDiscovery;
  private readonly nodeKey: NodeKey;
  private readonly calls = new Set<Call<unknown, unknown>>();
  private server: Server | undefined;

  constructor(
    readonly cache: SnapshotCache,
    private readonly options: XdsServerOptions = {},
  ) {
    this.nodeKey = options.nodeKey ?? defaultNodeKey;
    this.status = options.status ?? new ClientStatus();
    this.rest = new RestDiscovery(cache, this.status, this.nodeKey);
  }

  /** Adds the discovery services to a gRPC server (for callers that own one). */
  addTo(server: Server): void {
    const sotw = (transport: Transport, onlyType?: string) => (call: Call<DiscoveryRequest, DiscoveryResponse>) =>
      this.serve(call, (send) => new SotwStream(this.cache, this.status, this.nodeKey, send, transport, onlyType));
    const delta =
      (transport: Transport, onlyType?: string) => (call: Call<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) =>
        this.serve(call, (send) => new DeltaStream(this.cache, this.status, this.nodeKey, send, transport, onlyType));
    server.addService(service(ADS), {
      StreamAggregatedResources: sotw('ads'),
      DeltaAggregatedResources: delta('delta-ads'),
    } as UntypedServiceImplementation);
    for (const t of PER_TYPE) {
      server.addService(service(t.service), {
        [t.stream]: sotw('sotw', t.typeUrl),
        [t.delta]: delta('delta', t.typeUrl),
      } as UntypedServiceImplementation);
    }
  }

  /** Binds a gRPC server of its own; resolves to the bound port. */
  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = new Server({ 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    this.addTo(server);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.server = server;
    return bound;
  }

  /** Ends every stream (clients reconnect elsewhere or retry) and stops the server. */
  async close(): Promise<void> {
    for (const call of this.calls) call.end();
    this.calls.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private serve<Req, Res>(call: Call<Req, Res>, open: (send: (r: Res) => void) => XdsStream<Req>): void {
    this.calls.add(call as Call<unknown, unknown>);
    let stream: XdsStream<Req> | undefined;
    const done = () => {
      this.calls.delete(call as Call<unknown, unknown>);
      stream?.close();
    };
    stream = open((response) => {
      try {
        call.write(response);
      } catch (e) {
        const message = `xDS response could not be encoded: ${(e as Error).message}`;
        this.options.onError?.(message);
        call.emit('error', { code: grpcStatus.INTERNAL, details: message });
        done();
      }
    });
    call.on('data', (req: Req) => stream?.handle(req));
    call.on('end', () => {
      done();
      call.end();
    });
    call.on('cancelled', done);
    call.on('error', done);
    call.on('close', done);
  }
}

const definitions = new Map<string, ServiceDefinition>();
function service(name: string): ServiceDefinition {
  let d = definitions.get(name);
  if (!d) definitions.set(name, (d = grpcServiceDefinition(name)));
  return d;
}
