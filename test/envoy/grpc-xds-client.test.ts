/**
 * Compatibility with a real third-party xDS client: @grpc/grpc-js-xds (gRPC's proxyless xDS
 * support, which decodes resources with its own protobuf code) runs in a child process against an
 * ADS responder that speaks only through lib/envoy's codec, and routes RPCs by what it decoded.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import {
  CLUSTER_TYPE_URL,
  ENDPOINT_TYPE_URL,
  type JsonObject,
  LISTENER_TYPE_URL,
  ROUTE_TYPE_URL,
} from '../../lib/envoy';
import { type AdsTestServer, startAdsTestServer } from './ads-test-server';

const REPO = join(__dirname, '..', '..');
const WHO = '/trellis.test.Echo/Who';

/** A backend answering every call with its own name. */
async function startBackend(name: string): Promise<{ port: number; server: Server }> {
  const server = new Server();
  server.addService(
    {
      Who: {
        path: WHO,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    { Who: (_call: unknown, cb: (e: null, v: Buffer) => void) => cb(null, Buffer.from(name)) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, server };
}

function meshResources(v1Port: number, v2Port: number): JsonObject[] {
  const cluster = (name: string): JsonObject => ({
    '@type': CLUSTER_TYPE_URL,
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
    connect_timeout: '1s',
    lb_policy: 'ROUND_ROBIN',
  });
  const endpoints = (name: string, port: number): JsonObject => ({
    '@type': ENDPOINT_TYPE_URL,
    cluster_name: name,
    endpoints: [
      {
        locality: { region: 'local', zone: 'a' },
        load_balancing_weight: 1,
        lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }],
      },
    ],
  });
  return [
    {
      '@type': LISTENER_TYPE_URL,
      name: 'catalog',
      api_listener: {
        api_listener: {
          '@type':
            'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: 'catalog',
          rds: { route_config_name: 'catalog-routes', config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [
            {
              name: 'router',
              typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
            },
          ],
        },
      },
    },
    {
      '@type': ROUTE_TYPE_URL,
      name: 'catalog-routes',
      virtual_hosts: [
        {
          name: 'catalog',
          domains: ['catalog'],
          routes: [
            {
              match: { prefix: '/trellis.test.Echo/', headers: [{ name: 'x-version', string_match: { exact: 'v2' } }] },
              route: { cluster: 'catalog-v2', timeout: '5s' },
            },
            {
              match: { prefix: '' },
              route: { weighted_clusters: { clusters: [{ name: 'catalog-v1', weight: 1 }] }, timeout: '5s' },
            },
          ],
        },
      ],
    },
    cluster('catalog-v1'),
    cluster('catalog-v2'),
    endpoints('catalog-v1', v1Port),
    endpoints('catalog-v2', v2Port),
  ];
}

// Runs in the child: one call without and one with `x-version: v2`, prints both answers as JSON.
const CLIENT = `
const grpc = require('@grpc/grpc-js');
require('@grpc/grpc-js-xds').register();
const client = new grpc.Client('xds:///catalog', grpc.credentials.createInsecure());
const id = (b) => b;
function call(version) {
  const md = new grpc.Metadata();
  if (version) md.set('x-version', version);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest('${WHO}', id, id, Buffer.alloc(0), md, { deadline: Date.now() + 20000 },
      (err, res) => (err ? reject(err) : resolve(res.toString()))));
}
(async () => {
  const plain = await call();
  const canary = await call('v2');
  console.log(JSON.stringify({ plain, canary }));
  client.close();
  process.exit(0);
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

function startClient(adsPort: number) {
  const bootstrap = {
    xds_servers: [
      { server_uri: `127.0.0.1:${adsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
    ],
    node: { id: 'trellis-test-client', locality: { region: 'local', zone: 'a' } },
  };
  const child = spawn(process.execPath, ['-e', CLIENT], {
    cwd: REPO,
    env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap), GRPC_XDS_BOOTSTRAP: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('a proxyless gRPC client (@grpc/grpc-js-xds) configured through the codec', () => {
  let ads: AdsTestServer;
  const backends: Server[] = [];

  afterAll(async () => {
    await ads?.close();
    await Promise.all(backends.map((s) => new Promise<void>((r) => s.tryShutdown(() => r()))));
  });

  it('accepts every resource and routes by header to the right cluster', async () => {
    const v1 = await startBackend('catalog-v1');
    const v2 = await startBackend('catalog-v2');
    backends.push(v1.server, v2.server);
    ads = await startAdsTestServer(meshResources(v1.port, v2.port));

    const result = await startClient(ads.port).done;

    // Compared together so a failure shows the client's stderr.
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ plain: 'catalog-v1', canary: 'catalog-v2' });
    // The client's own DiscoveryRequests decode through the codec, and it NACKed nothing.
    const types = new Set(ads.requests.map((r) => r.type_url));
    expect(types).toEqual(new Set([LISTENER_TYPE_URL, ROUTE_TYPE_URL, CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL]));
    expect(ads.requests.filter((r) => r.error_detail)).toEqual([]);
    expect(ads.requests.every((r) => r.node === undefined || (r.node as JsonObject).id === 'trellis-test-client')).toBe(
      true,
    );
  });

  it('NACKs a resource that the schema allows but gRPC refuses, and the codec carries its error_detail', async () => {
    // MAGLEV is a valid Envoy lb_policy that gRPC does not implement: only the client objects.
    const resources = meshResources(1, 2);
    resources[2].lb_policy = 'MAGLEV';
    const nacking = await startAdsTestServer(resources);
    const client = startClient(nacking.port);
    try {
      await until(() => nacking.requests.some((r) => r.error_detail), 30_000);
      const nack = nacking.requests.find((r) => r.error_detail);
      expect(nack?.type_url).toBe(CLUSTER_TYPE_URL);
      expect(nack?.response_nonce).toBeTruthy();
      const detail = nack?.error_detail as JsonObject;
      expect(String(detail.message)).toMatch(
        /resource index 0: Cluster message validation failed: .*unsupported lb_policy: MAGLEV/,
      );
      // google.rpc.Status.code: grpc-js-xds reports NACKs as UNAVAILABLE.
      expect(detail.code).toBe(status.UNAVAILABLE);
    } finally {
      client.child.kill('SIGKILL');
      await client.done;
      await nacking.close();
    }
  });
});
