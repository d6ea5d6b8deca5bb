/**
 * The proxy lets Envoy's schema go when no config needs checking (proxy-image/src/schema-release.ts):
 * at once for a static config, after `--schema-idle-s` for one that can change. A config update
 * after the release is checked as strictly as before (the schema loads again): an invalid one is
 * rejected with its field named, a valid one is applied, and no request fails meanwhile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnChild } from '../support/child-process';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap, loadFixture, onEphemeralPorts } from '../support/envoy-config';
import { failures, httpRequest, runLoad } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { bundleEnv, proxyBundle } from '../support/proxy-bundle';
import { tempDir } from '../support/temp-dir';
import { startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { discoveryResponse, httpListener, staticCluster, writeAtomic } from '../support/xds-files';

afterAll(cleanupAll);

const RELEASED = /Envoy schema released/g;

test('a static config lets the schema go once LIVE, and serves on', async () => {
  const upstream = await startUpstream('static');
  const proxy = await startProxy({
    config: httpBootstrap({ clusters: { backend: [upstream.port] } }),
    args: ['--log-level', 'debug'],
  });
  await waitFor('the release', async () => /Envoy schema released \(the config is static\)/.test(proxy.output()));
  const result = await runLoad({ origin: await proxy.origin(), total: 200, concurrency: 10 });
  expect(failures(result)).toBe(0);
  expect(upstream.requests).toHaveLength(200);
});

test('--schema-idle-s 0 keeps the schema', async () => {
  const upstream = await startUpstream('kept');
  const proxy = await startProxy({
    config: httpBootstrap({ clusters: { backend: [upstream.port] } }),
    args: ['--log-level', 'debug', '--schema-idle-s', '0'],
  });
  expect((await httpRequest(`${await proxy.origin()}/`)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 500));
  expect(proxy.output()).not.toMatch(RELEASED);
});

test('after an idle release, updates are checked and applied as before', async () => {
  const v1 = await startUpstream('v1');
  const v2 = await startUpstream('v2');
  const dir = tempDir('trellis-schema-release-');
  const bootstrap = join(dir, 'envoy.yaml');
  writeFileSync(bootstrap, stringify(onEphemeralPorts(loadFixture('dynamic-files.yaml'))));
  const lds = join(dir, 'lds.yaml');
  const cds = join(dir, 'cds.yaml');
  const clusters = [staticCluster('v1', [v1.port]), staticCluster('v2', [v2.port])];
  writeAtomic(cds, discoveryResponse('c1', clusters));
  writeAtomic(lds, discoveryResponse('l1', [httpListener('ingress', { v1: 100, v2: 0 })]));
  // The environment's name for --schema-idle-s, as the image's task definitions set it.
  const proxy = await startProxy({
    config: bootstrap,
    dir,
    args: ['--log-level', 'debug'],
    env: { TRELLIS_SCHEMA_IDLE_S: '1' },
  });
  const origin = await proxy.origin('ingress');
  await waitFor('the idle release', async () =>
    /Envoy schema released \(unused by config updates/.test(proxy.output()),
  );

  // Schema error: found by the reloaded schema, named, rejected; the last good config serves.
  writeAtomic(cds, discoveryResponse('bad', [{ ...clusters[0], lb_polcy: 'RANDOM' }]));
  await waitFor('CDS rejection', async () => (await proxy.stat('cluster_manager.cds.update_rejected')) === 1);
  expect(proxy.output()).toMatch(/cds\.yaml: resources\[0\]\.lb_polcy: unknown field/);
  expect(failures(await runLoad({ origin, total: 100, concurrency: 5 }))).toBe(0);
  expect(v1.requests).toHaveLength(100);

  // Left unused again, it goes again; the next valid update loads it once more and applies.
  const releases = proxy.output().match(RELEASED)?.length ?? 0;
  await waitFor('a second release', async () => (proxy.output().match(RELEASED)?.length ?? 0) > releases);
  writeAtomic(cds, discoveryResponse('c2', clusters));
  writeAtomic(lds, discoveryResponse('l2', [httpListener('ingress', { v2: 1 })]));
  await waitFor('the good update', async () => JSON.parse((await httpRequest(`${origin}/`)).body).upstream === 'v2');
  expect(await proxy.stat('listener_manager.lds.update_rejected')).toBe(0);
});

test.each([
  [['--schema-idle-s', 'soon'], {}, /--schema-idle-s must be a number of seconds/],
  [[], { TRELLIS_SCHEMA_IDLE_S: '-1' }, /TRELLIS_SCHEMA_IDLE_S must be a number of seconds/],
])('a bad idle time is a usage error naming it (%j %j)', async (args, env, message) => {
  const dir = tempDir('trellis-schema-usage-');
  const config = join(dir, 'envoy.json');
  writeFileSync(config, JSON.stringify(httpBootstrap({ clusters: { backend: [1] } })));
  const child = spawnChild(process.execPath, [proxyBundle(), '--config', config, ...args], { env: bundleEnv(env) });
  expect((await child.exited).code).toBe(1);
  expect(child.stderr()).toMatch(message);
});
