/**
 * A minimal state-of-the-world ADS responder for tests (not Trellis' xDS server): it answers each
 * DiscoveryRequest with every resource of the requested type, once per subscription change, and
 * records ACKs and NACKs. Messages cross the wire through lib/envoy's codec.
 */
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { grpcServiceDefinition, type JsonObject, type JsonValue } from '../../lib/envoy';

export interface AdsTestServer {
  readonly port: number;
  /** Every DiscoveryRequest received, decoded. */
  readonly requests: JsonObject[];
  close(): Promise<void>;
}

export async function startAdsTestServer(resources: readonly JsonObject[]): Promise<AdsTestServer> {
  const requests: JsonObject[] = [];
  const server = new Server();
  let nonce = 0;
  server.addService(grpcServiceDefinition('envoy.service.discovery.v3.AggregatedDiscoveryService'), {
    StreamAggregatedResources(call: ServerDuplexStream<JsonObject, JsonValue>) {
      const sent = new Map<string, string>();
      call.on('data', (req: JsonObject) => {
        requests.push(req);
        const typeUrl = String(req.type_url);
        const names = ((req.resource_names ?? []) as string[]).slice().sort().join(',');
        if (sent.get(typeUrl) === names) return; // an ACK or NACK of what was already sent
        sent.set(typeUrl, names);
        call.write({
          version_info: '1',
          type_url: typeUrl,
          nonce: String(++nonce),
          resources: resources.filter((r) => r['@type'] === typeUrl),
        });
      });
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
