/**
 * The embedded registry over its HTTP API (a real server on 127.0.0.1, undici as the client)
 * and in its file-backed mode: Cloud Map's operations and errors, endpoints for the compiler,
 * and a registry file that survives restarts and follows outside edits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { validateMesh } from '../../lib/model/validate';
import { Registry } from '../../lib/registry/registry';
import { registryEndpoints } from '../../lib/registry/registry-discovery';
import { RegistryFile } from '../../lib/registry/registry-file';
import { handleRegistryRequest } from '../../lib/registry/registry-http';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait';

let server: http.Server;
let registry: Registry;
let base: string;

beforeEach(async () => {
  registry = new Registry();
  server = http.createServer(async (req, res) => {
    if (!(await handleRegistryRequest(registry, req, res))) {
      res.writeHead(418);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/registry`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

afterAll(removeTempDirs);

async function call(method: string, path: string, body?: unknown) {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

const instances = '/namespaces/shop/services/catalog/instances';

test('register, discover by attribute and health, change health, deregister', async () => {
  const changes: unknown[] = [];
  registry.on('change', (e) => changes.push(e));
  const a = { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '41000', version: 'v1' };
  expect((await call('PUT', `${instances}/one`, { attributes: a })).status).toBe(200);
  await call('PUT', `${instances}/two`, { attributes: { ...a, AWS_INSTANCE_PORT: '41001', version: 'v2' } });
  const v1 = await call('GET', `${instances}?version=v1`);
  expect((v1.json.instances as Array<{ instanceId: string }>).map((i) => i.instanceId)).toEqual(['one']);
  const put = await call('PUT', `${instances}/two/health`, { status: 'UNHEALTHY' });
  expect(put.json.healthStatus).toBe('UNHEALTHY');
  const healthy = await call('GET', `${instances}?healthStatus=HEALTHY`);
  expect((healthy.json.instances as unknown[]).length).toBe(1);
  const revision = (await call('GET', instances)).json.instancesRevision as number;
  expect((await call('DELETE', `${instances}/one`)).status).toBe(200);
  expect((await call('GET', instances)).json.instancesRevision).toBeGreaterThan(revision);
  expect(changes.map((c) => (c as { kind: string }).kind)).toEqual(['register', 'register', 'health', 'deregister']);
});

test("errors carry Cloud Map's names and say which field is wrong", async () => {
  const missing = await call('GET', '/namespaces/nope/services/catalog/instances');
  expect(missing).toMatchObject({ status: 404, json: { code: 'NamespaceNotFound' } });
  const noAddress = await call('PUT', `${instances}/x`, { attributes: { AWS_INSTANCE_PORT: '80' } });
  expect(noAddress.status).toBe(400);
  expect(noAddress.json.message).toMatch(/^attributes: AWS_INSTANCE_IPV4/);
  const badPort = await call('PUT', `${instances}/x`, {
    attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '70000' },
  });
  expect(badPort.json.message).toMatch(/AWS_INSTANCE_PORT: '70000' is not a port/);
  const badId = await call('PUT', `${instances}/${encodeURIComponent('a b')}`, {
    attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' },
  });
  expect(badId.json.message).toMatch(/^instanceId:/);
  const notJson = await request(`${base}${instances}/x`, { method: 'PUT', body: '{' });
  expect(notJson.statusCode).toBe(400);
  expect(((await notJson.body.json()) as { message: string }).message).toMatch(/^body: not JSON/);
  expect((await call('DELETE', `${instances}/ghost`)).json.code).toBe('NamespaceNotFound');
  expect((await call('POST', instances)).status).toBe(405);
});

test('instances become the compiler endpoints of the versions whose attributes they carry', () => {
  const { model, problems } = validateMesh({
    name: 'shop',
    services: {
      catalog: {
        versions: {
          v1: { listeners: [{ port: 3000, protocol: 'http' }] },
          v2: { listeners: [{ port: 3000, protocol: 'http' }] },
        },
        routes: [{ name: 'split', targets: [{ version: 'v1' }, { version: 'v2' }] }],
      },
    },
  });
  expect(problems).toEqual([]);
  registry.registerInstance({
    namespace: 'shop',
    service: 'catalog',
    instanceId: 'a',
    attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '41000', version: 'v2' },
    health: 'UNHEALTHY',
  });
  expect(registryEndpoints(model!, registry)).toEqual({
    'catalog/v1': [],
    'catalog/v2': [{ address: '127.0.0.1', port: 41000, health: 'UNHEALTHY', instanceId: 'a' }],
  });
});

test('file-backed: written on change, loaded on start, outside edits applied, bad edits refused', async () => {
  const file = join(tempDir('trellis-registry-'), 'registry.json');
  const errors: string[] = [];
  const backed = new RegistryFile(file, registry, { onError: (m) => errors.push(m) });
  await backed.open();
  await call('PUT', `${instances}/one`, { attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', version: 'v1' } });
  await backed.flush();
  expect(JSON.parse(readFileSync(file, 'utf8')).namespaces.shop.services.catalog.instances.one.health).toBe('HEALTHY');

  const doc = JSON.parse(readFileSync(file, 'utf8'));
  doc.namespaces.shop.services.catalog.instances.two = {
    attributes: { AWS_INSTANCE_IPV4: '10.0.0.2' },
    health: 'HEALTHY',
  };
  writeFileSync(file, JSON.stringify(doc));
  await waitFor('the outside edit', () => registry.listInstances('shop', 'catalog').length === 2, 10_000);

  writeFileSync(file, '{"namespaces": {"shop": {"services": {"catalog": {"instances": []}}}}}');
  await waitFor('the bad edit to be reported', () => errors.length > 0, 10_000);
  expect(errors[0]).toContain(`${file}: namespaces.shop.services.catalog.instances: must be an object`);
  expect(registry.listInstances('shop', 'catalog').length).toBe(2);
  await backed.close();

  // A restart reads the file back.
  writeFileSync(file, JSON.stringify(doc));
  const again = new Registry();
  const reopened = new RegistryFile(file, again);
  await reopened.open();
  expect(again.listInstances('shop', 'catalog').map((i) => i.id)).toEqual(['one', 'two']);
  await reopened.close();
});
