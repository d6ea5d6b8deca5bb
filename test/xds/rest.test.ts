/** REST-JSON xDS (`POST /v3/discovery:<type>`) on a real HTTP server, as Envoy's REST client uses it. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { CLUSTER_TYPE_URL } from '../../lib/envoy';
import { SnapshotCache, XdsServer } from '../../lib/xds';
import { endpoints, FRONTEND, snapshots } from './fixture';

describe('xDS server, REST-JSON', () => {
  let cache: SnapshotCache;
  let xds: XdsServer;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    cache = new SnapshotCache();
    cache.setSnapshots(snapshots());
    xds = new XdsServer(cache);
    server = http.createServer((req, res) => {
      if (!xds.rest.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  async function post(kind: string, body: unknown) {
    const res = await request(`${base}/v3/discovery:${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
  }

  it('answers a DiscoveryRequest with the node’s resources, then 304 while nothing changes', async () => {
    const first = await post('clusters', { node: { id: FRONTEND }, type_url: CLUSTER_TYPE_URL });
    expect(first.status).toBe(200);
    expect(first.json.type_url).toBe(CLUSTER_TYPE_URL);
    expect(first.json.resources.map((r: { name: string }) => r.name)).toEqual(
      cache.getSnapshot(FRONTEND)!.resources.clusters.map((c) => c.name),
    );
    expect(first.json.resources[0]['@type']).toBe(CLUSTER_TYPE_URL);
    const again = await post('clusters', { node: { id: FRONTEND }, version_info: first.json.version_info });
    expect(again.status).toBe(304);
    const status = xds.status.nodes().find((n) => n.id === FRONTEND)!;
    expect(status.transport).toBe('rest');
    expect(status.types[0]).toMatchObject({ status: 'ACKED', ackedVersion: first.json.version_info });
  });

  it('accepts Envoy’s lowerCamelCase JSON and serves only the named endpoints', async () => {
    const res = await post('endpoints', { node: { id: FRONTEND }, resourceNames: ['outbound|3000|v2|catalog'] });
    expect(res.status).toBe(200);
    expect(res.json.resources.map((r: { cluster_name: string }) => r.cluster_name)).toEqual([
      'outbound|3000|v2|catalog',
    ]);
  });

  it('records a NACK and keeps answering 304 until the config changes', async () => {
    const node = { id: 'catalog/v1' };
    const first = await post('clusters', { node });
    const nack = await post('clusters', { node, version_info: '', error_detail: { code: 3, message: 'nope' } });
    expect(nack.status).toBe(304);
    const status = xds.status.nodes().find((n) => n.id === 'catalog/v1')!;
    expect(status.types[0]).toMatchObject({
      status: 'NACKED',
      nack: { version: first.json.version_info, message: 'nope' },
    });
    cache.setSnapshots(snapshots(endpoints([7001], [7555])));
    const eds = await post('endpoints', { node, resource_names: ['outbound|3000|v1|catalog'] });
    expect(eds.status).toBe(200);
  });

  it('says what is wrong with a bad request, without a stack trace', async () => {
    const noNode = await post('clusters', {});
    expect(noNode).toEqual({ status: 400, json: { message: expect.stringContaining('node.id is required') } });
    const badJson = await post('clusters', '{');
    expect(badJson.status).toBe(400);
    expect(badJson.json.message).toMatch(/^not a DiscoveryRequest/);
    const unknownField = await post('clusters', { node: { id: FRONTEND }, resource_namez: [] });
    expect(unknownField.json.message).toMatch(/resource_namez/);
    const badType = await post('widgets', { node: { id: FRONTEND } });
    expect(badType.status).toBe(404);
    const unknownNode = await post('clusters', { node: { id: 'nobody/v0' } });
    expect(unknownNode.status).toBe(503);
    const get = await request(`${base}/v3/discovery:clusters`);
    expect(get.statusCode).toBe(405);
    await get.body.text();
  });
});
