/**
 * Config swaps over ADS from the control plane's own xDS server (lib/xds): 20,000 requests at
 * concurrency 50 while the snapshot (listener, routes, clusters and endpoints) is replaced five
 * times lose no request; a request in flight finishes on the config it started with, even when
 * the new config removes its cluster (RELIABILITY.md E.29, F.34).
 */
import { adsBootstrap } from '../../lib/compiler/bootstrap';
import { type EnvoyResource, makeSnapshot, TYPE_URLS } from '../../lib/compiler/snapshot';
import { SnapshotCache, XdsServer } from '../../lib/xds';
import { cleanupAll } from '../support/cleanup';
import { lbEndpoints } from '../support/envoy-config';
import { failures, httpRequest, runLoad } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream, type UpstreamResponse } from '../support/upstream';
import { waitFor } from '../support/wait';

const NODE = 'swap/v1';
const servers: XdsServer[] = [];

afterAll(async () => {
  await cleanupAll();
  for (const s of servers) await s.close();
});

interface Version {
  /** Cluster name → upstream port; the route splits by `weights`. */
  readonly clusters: Record<string, number>;
  readonly weights: Record<string, number>;
  /** Tags requests (upstream sees it) and responses (client sees it) with this config. */
  readonly tag: string;
  readonly connectTimeout?: string;
}

/** A sidecar-shaped snapshot: LDS → RDS by name, CDS with EDS clusters, as the compiler makes them. */
function snapshot(v: Version) {
  const listener: EnvoyResource = {
    '@type': TYPE_URLS.listeners,
    name: 'ingress',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type':
                'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'ingress',
              rds: { route_config_name: 'ingress_routes', config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [
                {
                  name: 'envoy.filters.http.router',
                  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                },
              ],
            },
          },
        ],
      },
    ],
  };
  const header = (value: string) => [
    { header: { key: 'x-config', value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
  ];
  const route: EnvoyResource = {
    '@type': TYPE_URLS.routes,
    name: 'ingress_routes',
    virtual_hosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          {
            match: { prefix: '/' },
            route: {
              weighted_clusters: {
                clusters: Object.entries(v.weights).map(([name, weight]) => ({ name, weight })),
              },
            },
            request_headers_to_add: header(v.tag),
            response_headers_to_add: header(v.tag),
          },
        ],
      },
    ],
  };
  const clusters: EnvoyResource[] = Object.keys(v.clusters).map((name) => ({
    '@type': TYPE_URLS.clusters,
    name,
    type: 'EDS',
    connect_timeout: v.connectTimeout ?? '1s',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
  }));
  const endpoints: EnvoyResource[] = Object.entries(v.clusters).map(([name, port]) => ({
    '@type': TYPE_URLS.endpoints,
    cluster_name: name,
    endpoints: lbEndpoints([port]),
  }));
  return makeSnapshot({ listeners: [listener], routes: [route], clusters, endpoints, secrets: [] });
}

async function setup(first: (a: number, b: number) => Version) {
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  const cache = new SnapshotCache();
  cache.setSnapshot(NODE, snapshot(first(a.port, b.port)));
  const xds = new XdsServer(cache);
  servers.push(xds);
  const xdsPort = await xds.listen(0, '127.0.0.1');
  const proxy = await startProxy({
    config: adsBootstrap({ proxy: NODE, adminPort: 0, xdsAddress: '127.0.0.1', xdsPort }),
  });
  return { a, b, cache, proxy, origin: await proxy.origin('ingress') };
}

test('20,000 requests at concurrency 50 while ADS swaps the whole snapshot 5 times: none fails', async () => {
  const versions = (a: number, b: number): Version[] => [
    { clusters: { a, b }, weights: { a: 100, b: 0 }, tag: 'v0' },
    { clusters: { a, b }, weights: { a: 50, b: 50 }, tag: 'v1', connectTimeout: '2s' },
    { clusters: { b }, weights: { b: 1 }, tag: 'v2' },
    { clusters: { a, b }, weights: { a: 90, b: 10 }, tag: 'v3', connectTimeout: '3s' },
    { clusters: { a }, weights: { a: 1 }, tag: 'v4' },
    { clusters: { a, b }, weights: { a: 10, b: 90 }, tag: 'v5' },
  ];
  const { a, b, cache, proxy, origin } = await setup((pa, pb) => versions(pa, pb)[0]);
  const all = versions(a.port, b.port);
  const swaps = [3000, 6000, 9000, 12000, 15000];
  let swapped = 0;
  const result = await runLoad({
    origin,
    total: 20_000,
    concurrency: 50,
    keepBodies: true,
    onProgress: (done) => {
      if (done !== swaps[swapped]) return;
      swapped++;
      cache.setSnapshot(NODE, snapshot(all[swapped]));
    },
  });
  expect(result.errors).toEqual([]);
  expect(result.unexpected).toEqual([]);
  expect(failures(result)).toBe(0);
  expect(swapped).toBe(5);
  // Every response was tagged by exactly one config, and each config served some requests.
  const tags = new Map<string, number>();
  for (const h of result.headers) tags.set(String(h['x-config']), (tags.get(String(h['x-config'])) ?? 0) + 1);
  expect([...tags.keys()].sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
  expect(a.requests.length + b.requests.length).toBe(20_000);
  // A request sees the old or the new config, never a mix: the upstream got the tag of the
  // config whose clusters it belongs to (v2 has no cluster a, v4 no cluster b).
  expect(a.requests.some((r) => r.headers['x-config'] === 'v2')).toBe(false);
  expect(b.requests.some((r) => r.headers['x-config'] === 'v4')).toBe(false);
  expect(await proxy.stat('listener_manager.lds.update_rejected')).toBe(0);
  expect(await proxy.stat('cluster_manager.cds.update_rejected')).toBe(0);
  // Generous: 20,000 requests through a proxy, the load and the xDS server in this process, on
  // two shared cores (about 20 s when the machine is quiet).
}, 240_000);

test('a request in flight finishes on the config it started with, even when its cluster is removed', async () => {
  const held: UpstreamResponse[] = [];
  const { a, b, cache, origin, proxy } = await setup((pa, pb) => ({
    clusters: { a: pa, b: pb },
    weights: { a: 1 },
    tag: 'old',
  }));
  a.setHandler((req, res) => {
    if (req.path === '/hold') held.push(res);
    else {
      res.writeHead(200, { 'x-upstream': 'a' });
      res.end('a');
    }
  });
  const inFlight = httpRequest(`${origin}/hold`);
  await waitFor('the request held upstream', () => held.length === 1);
  expect(a.requests[0].headers['x-config']).toBe('old');

  // The new config routes to b and no longer has cluster a at all.
  cache.setSnapshot(NODE, snapshot({ clusters: { b: b.port }, weights: { b: 1 }, tag: 'new' }));
  await waitFor('the new config serving', async () => (await httpRequest(`${origin}/`)).headers['x-config'] === 'new');
  await waitFor('cluster a removed', async () => !/^a::/m.test((await proxy.adminGet('/clusters')).body));

  held[0].writeHead(200, { 'x-upstream': 'a' });
  held[0].end('held');
  const r = await inFlight;
  expect(r.status).toBe(200);
  expect(r.body).toBe('held');
  expect(r.headers['x-upstream']).toBe('a');
  expect(r.headers['x-config']).toBe('old');
  expect(b.requests.every((q) => q.headers['x-config'] === 'new')).toBe(true);
});

test('an update the proxy cannot apply is NACKed with error_detail; the last good config keeps serving', async () => {
  const { a, b, cache, origin, proxy } = await setup((pa) => ({ clusters: { a: pa }, weights: { a: 1 }, tag: 'good' }));
  const xds = servers.at(-1)!;
  const nacks: Array<{ typeUrl: string; version: string; message: string }> = [];
  xds.status.on('nack', (e) => nacks.push(e));
  // Valid Envoy (the cache's schema and consistency checks pass it), but outside the proxy's subset.
  // Routes unchanged, so only CDS changes (an RDS update is judged on its own, as in Envoy).
  const bad = snapshot({ clusters: { a: a.port, b: b.port }, weights: { a: 1 }, tag: 'good' });
  const clusters = bad.resources.clusters.map((c) => (c.name === 'b' ? { ...c, lb_policy: 'MAGLEV' } : c));
  cache.setSnapshot(NODE, { ...bad, version: `${bad.version}-maglev`, resources: { ...bad.resources, clusters } });
  await waitFor('the NACK', () => nacks.length > 0);
  expect(nacks[0].typeUrl).toBe(TYPE_URLS.clusters);
  expect(nacks[0].message).toMatch(/resources\[1\]: lb_policy: "MAGLEV" is not supported/);
  await waitFor('rejection counted', async () => (await proxy.stat('cluster_manager.cds.update_rejected')) >= 1);
  const r = await httpRequest(`${origin}/`);
  expect(r.headers['x-config']).toBe('good');
  expect(r.headers['x-upstream']).toBe('a');
  // The next valid snapshot is ACKed and applied.
  cache.setSnapshot(NODE, snapshot({ clusters: { b: b.port }, weights: { b: 1 }, tag: 'fixed' }));
  await waitFor('the fixed config', async () => (await httpRequest(`${origin}/`)).headers['x-config'] === 'fixed');
});
