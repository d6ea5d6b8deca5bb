import {
  type ClientDuplexStream,
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
} from '@grpc/grpc-js';
import { CLUSTER_TYPE_URL, encode, grpcServiceDefinition, type JsonObject, type JsonValue } from '../../lib/envoy';

const ADS = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

describe('grpcServiceDefinition', () => {
  it('describes the service methods by their .proto names and paths', () => {
    const def = grpcServiceDefinition(ADS);
    expect(Object.keys(def).sort()).toEqual(['DeltaAggregatedResources', 'StreamAggregatedResources']);
    expect(def.StreamAggregatedResources.path).toBe(`/${ADS}/StreamAggregatedResources`);
    expect(def.StreamAggregatedResources.requestStream).toBe(true);
    expect(def.StreamAggregatedResources.responseStream).toBe(true);
    expect(() => grpcServiceDefinition('envoy.service.nope.v3.Nope')).toThrow(/unknown service/);
  });

  it('carries JSON both ways over a real connection, and sends pre-encoded bytes as they are', async () => {
    const cluster = {
      '@type': CLUSTER_TYPE_URL,
      name: 'c',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {} } },
    };
    const preEncoded = encode(RESPONSE, { version_info: 'v7', type_url: CLUSTER_TYPE_URL, resources: [cluster] });
    const seen: JsonObject[] = [];
    const server = new Server();
    server.addService(grpcServiceDefinition(ADS), {
      StreamAggregatedResources(call: ServerDuplexStream<JsonObject, JsonValue | Uint8Array>) {
        call.on('data', (req: JsonObject) => {
          seen.push(req);
          call.write(preEncoded);
          call.end();
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const Client = makeGenericClientConstructor(grpcServiceDefinition(ADS), 'ads');
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const stream = (
        client as unknown as Record<string, () => ClientDuplexStream<JsonValue, JsonObject>>
      ).StreamAggregatedResources();
      const response = new Promise<JsonObject>((resolve, reject) => {
        stream.on('data', resolve);
        stream.on('error', reject);
      });
      stream.write({ node: { id: 'n1', cluster: 'c1' }, type_url: CLUSTER_TYPE_URL, resource_names: ['c'] });
      expect(await response).toEqual({ version_info: 'v7', type_url: CLUSTER_TYPE_URL, resources: [cluster] });
      stream.end();
      expect(seen).toEqual([{ node: { id: 'n1', cluster: 'c1' }, type_url: CLUSTER_TYPE_URL, resource_names: ['c'] }]);
    } finally {
      client.close();
      await new Promise<void>((r) => server.tryShutdown(() => r()));
    }
  });
});
