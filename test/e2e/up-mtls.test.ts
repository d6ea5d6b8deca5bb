/**
 * `trellis up` on an mTLS mesh: the local CA issues every proxy a SPIFFE identity, traffic
 * between proxies is mutual TLS, a plaintext or certificate-less peer is refused, and a
 * service's authorization admits the named caller and answers others 403 with a counter.
 */
import { join } from 'node:path';
import { connect } from 'node:tls';
import { stopAllProcesses } from '../support/child-process';
import { httpRequest } from '../support/http-client';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { DEMO_APP, type RunningMesh, startMesh, writeMesh } from './up-harness';

jest.setTimeout(120_000);

const run = (env = {}) =>
  `{ command: ${JSON.stringify(`node ${JSON.stringify(DEMO_APP)}`)}, env: ${JSON.stringify(env)} }`;
const MESH = `name: vault
mtls: { mode: strict }
gateways:
  edge:
    listeners: [{ port: 8080, protocol: http }]
    routes:
      - name: catalog
        match: { path: { prefix: /catalog } }
        target: { service: catalog }
      - name: web
        match: { path: { prefix: / } }
        target: { service: frontend }
        rewrite: { prefix: false }
services:
  frontend:
    versions:
      v1:
        listeners: [{ port: 3000, protocol: http }]
        backends: [catalog]
        run: ${run({ CALLS: 'catalog' })}
  catalog:
    versions:
      v1:
        listeners: [{ port: 3000, protocol: http }]
        run: ${run()}
    authorization:
      - from: [frontend]
`;

let mesh: RunningMesh;
const proxy = (name: string) => mesh.state.proxies.find((p) => p.name === name)!;

beforeAll(async () => {
  const dir = tempDir('trellis-up-mtls-');
  const file = join(dir, 'mesh.yaml');
  writeMesh(file, MESH);
  mesh = await startMesh(file, dir, 'edge');
});

afterAll(async () => {
  await stopAllProcesses();
  removeTempDirs();
});

async function stat(name: string, pattern: RegExp): Promise<number> {
  const r = await httpRequest(`http://127.0.0.1:${proxy(name).adminPort}/stats`);
  return r.body
    .split('\n')
    .filter((l) => pattern.test(l))
    .reduce((sum, l) => sum + Number(l.split(': ')[1]), 0);
}

it('carries gateway → frontend → catalog over mutual TLS', async () => {
  const r = await httpRequest(`${mesh.gateway}/`);
  expect(r.status).toBe(200);
  const body = JSON.parse(r.body);
  expect(body.service).toBe('frontend');
  expect(body.calls.catalog).toMatchObject({ service: 'catalog', status: 200 });
  expect(await stat('catalog/v1', /\.ssl\.handshake: /)).toBeGreaterThan(0);
  expect(await stat('frontend/v1', /\.ssl\.handshake: /)).toBeGreaterThan(0);
});

it('refuses a caller the authorization does not name with 403, and counts it', async () => {
  const before = await stat('catalog/v1', /rbac\..*denied: /);
  const r = await httpRequest(`${mesh.gateway}/catalog`);
  expect(r.status).toBe(403);
  expect(r.body).toMatch(/RBAC: access denied/);
  expect(await stat('catalog/v1', /rbac\..*denied: /)).toBeGreaterThan(before);
});

it('refuses plaintext and certificate-less peers at the sidecar', async () => {
  const port = Object.values(proxy('catalog/v1').ingressPorts)[0];
  const plain = await httpRequest(`http://127.0.0.1:${port}/`).then(
    (r) => `answered ${r.status}`,
    (e: Error) => `refused (${e.message})`,
  );
  expect(plain).toMatch(/^refused/);
  const tls = await new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    s.on('secureConnect', () => {
      // TLS 1.3 reports a missing client certificate after the handshake: the request fails.
      s.write('GET / HTTP/1.1\r\nhost: catalog\r\n\r\n');
    });
    s.on('data', (d) => resolve(`answered ${d.toString().split('\r\n')[0]}`));
    s.on('error', (e) => resolve(`refused (${e.message})`));
    s.on('close', () => resolve('refused (closed)'));
  });
  expect(tls).toMatch(/^refused/);
});
