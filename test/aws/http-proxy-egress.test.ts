/**
 * The traffic interception MeshProxy sets up (lib/cdk/README.md): the application sends its
 * outbound HTTP to the sidecar's egress listener because `HTTP_PROXY` names it. HTTP clients
 * that honour `HTTP_PROXY` send absolute-form requests (`GET http://catalog:3000/items`, as curl,
 * Go, Python and undici without tunnelling do); the sidecar must route them by their authority
 * like origin-form requests, and refuse what is not in the mesh.
 */
import * as http from 'node:http';
import { connect } from 'node:net';
import { ProxyAgent, request } from 'undici';
import { staticBootstrap } from '../../lib/compiler/bootstrap';
import { compile } from '../../lib/compiler/compile';
import { EGRESS_HTTP_LISTENER } from '../../lib/compiler/names';
import { validateMesh } from '../../lib/model/validate';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { removeTempDirs } from '../support/temp-dir';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { SHOP } from './mesh-fixtures';

let proxy: ProxyHandle;
let egress: number;
let catalog: HttpUpstream;
let reviews: HttpUpstream;
let agent: ProxyAgent;

beforeAll(async () => {
  catalog = await startUpstream('catalog');
  reviews = await startUpstream('reviews');
  const model = validateMesh(SHOP).model!;
  const at = (u: HttpUpstream) => [{ address: '127.0.0.1', port: u.port, health: 'HEALTHY' as const }];
  const { snapshots } = compile(
    model,
    { 'catalog/v1': at(catalog), 'catalog/v2': at(catalog), 'reviews/v1': at(reviews) },
    { placement: () => ({ bindAddress: '127.0.0.1', ingressPorts: { 8080: 0 }, egressPort: 0 }) },
  );
  proxy = await startProxy({
    config: staticBootstrap(snapshots['frontend/v1'], {
      proxy: 'frontend/v1',
      adminAddress: '127.0.0.1',
      adminPort: 0,
    }),
    format: 'json',
  });
  egress = await proxy.listenerPort(EGRESS_HTTP_LISTENER);
  agent = new ProxyAgent({ uri: `http://127.0.0.1:${egress}`, proxyTunnel: false });
});

afterAll(async () => {
  await agent?.close();
  await proxy?.stop();
  await closeAllUpstreams();
  removeTempDirs();
});

/** What curl -x sends: the absolute URL as the request target, Host from it. */
function absoluteForm(url: string): Promise<{ status: number; upstream?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: egress, path: url, headers: { host: new URL(url).host } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, upstream: res.headers['x-upstream'] as string }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('an absolute-form request reaches the backend its authority names', async () => {
  expect(await absoluteForm('http://catalog:3000/items?page=2')).toEqual({ status: 200, upstream: 'catalog' });
  expect(await absoluteForm('http://reviews:3000/')).toEqual({ status: 200, upstream: 'reviews' });
  // The upstream sees an origin-form path, not the absolute URL.
  expect(catalog.requests.at(-1)?.path).toBe('/items?page=2');
});

test('an HTTP client configured with the proxy (undici, no tunnel) gets through', async () => {
  const res = await request('http://catalog:3000/health', { dispatcher: agent });
  await res.body.text();
  expect(res.statusCode).toBe(200);
  expect(res.headers['x-upstream']).toBe('catalog');
});

test('a CONNECT tunnel is refused: the egress listener routes requests, it does not tunnel them', async () => {
  // undici's ProxyAgent tunnels by default; applications must set proxyTunnel: false (lib/cdk/README.md).
  const socket = connect(egress, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
  socket.write('CONNECT catalog:3000 HTTP/1.1\r\nHost: catalog:3000\r\n\r\n');
  await waitFor(
    'an answer or a close',
    () => answer.includes('\r\n\r\n') || socket.destroyed || socket.readableEnded,
    10_000,
  );
  socket.destroy();
  expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
});

test('hosts outside the mesh are not reachable through it (egress DROP_ALL)', async () => {
  expect((await absoluteForm('http://example.com/')).status).toBe(404);
});
