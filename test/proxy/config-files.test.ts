/**
 * Dynamic config from files (Envoy's path_config_source): the proxy becomes ready only once
 * both files are loaded; rewriting the files five times under 20,000 requests at concurrency
 * 50 loses no request; an invalid update is rejected (counter moves, last good config keeps
 * serving) and a later valid one is applied.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cleanupAll } from '../support/cleanup';
import { loadFixture, onEphemeralPorts } from '../support/envoy-config';
import { failures, httpRequest, runLoad } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { tempDir } from '../support/temp-dir';
import { startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { discoveryResponse, httpListener, staticCluster, writeAtomic } from '../support/xds-files';

afterAll(cleanupAll);

async function setup() {
  const v1 = await startUpstream('v1');
  const v2 = await startUpstream('v2');
  const dir = tempDir('trellis-files-');
  const bootstrap = join(dir, 'envoy.yaml');
  writeFileSync(bootstrap, stringify(onEphemeralPorts(loadFixture('dynamic-files.yaml'))));
  const lds = join(dir, 'lds.yaml');
  const cds = join(dir, 'cds.yaml');
  const clusters = (timeout: string) => [
    staticCluster('v1', [v1.port], { connect_timeout: timeout }),
    staticCluster('v2', [v2.port], { connect_timeout: timeout }),
  ];
  writeAtomic(cds, discoveryResponse('c1', clusters('1s')));
  writeAtomic(lds, discoveryResponse('l1', [httpListener('ingress', { v1: 100, v2: 0 })]));
  const proxy = await startProxy({ config: bootstrap, dir, args: ['--service-node', 'files-test'] });
  return { v1, v2, dir, lds, cds, clusters, proxy };
}

test('20,000 requests at concurrency 50 while the config files are rewritten 5 times: none fails', async () => {
  const { v1, v2, lds, cds, clusters, proxy } = await setup();
  const origin = await proxy.origin('ingress');
  expect(JSON.parse((await httpRequest(`${origin}/`)).body).upstream).toBe('v1');
  const swaps = [3000, 6000, 9000, 12000, 15000];
  let swapped = 0;
  const result = await runLoad({
    origin,
    total: 20_000,
    concurrency: 50,
    onProgress: (done) => {
      if (done !== swaps[swapped]) return;
      swapped++;
      const n = swapped;
      // Alternate the split (LDS) and the clusters' settings (CDS: the clusters are rebuilt).
      writeAtomic(
        lds,
        discoveryResponse(`l${n + 1}`, [httpListener('ingress', n % 2 ? { v1: 50, v2: 50 } : { v1: 100, v2: 0 })]),
      );
      writeAtomic(cds, discoveryResponse(`c${n + 1}`, clusters(n % 2 ? '2s' : '1s')));
    },
  });
  expect(result.errors).toEqual([]);
  expect(result.unexpected).toEqual([]);
  expect(failures(result)).toBe(0);
  expect(swapped).toBe(5);
  await waitFor('all updates applied', async () => (await proxy.stat('listener_manager.lds.update_success')) === 6);
  expect(await proxy.stat('cluster_manager.cds.update_success')).toBe(6);
  expect(await proxy.stat('listener_manager.lds.update_rejected')).toBe(0);
  expect(v1.requests.length + v2.requests.length).toBe(20_001);
  expect(v2.requests.length).toBeGreaterThan(0);
}, 240_000);

test('an invalid update is rejected and the last good config keeps serving', async () => {
  const { v1, v2, lds, cds, clusters, proxy } = await setup();
  const origin = await proxy.origin('ingress');
  // Schema error (unknown field) in CDS, and a semantic error (unknown cluster) in LDS.
  writeAtomic(cds, discoveryResponse('bad', [{ ...clusters('1s')[0], lb_polcy: 'RANDOM' }]));
  writeAtomic(lds, discoveryResponse('bad', [httpListener('ingress', { v1: 50, nope: 50 })]));
  await waitFor('CDS rejection', async () => (await proxy.stat('cluster_manager.cds.update_rejected')) === 1);
  await waitFor('LDS rejection', async () => (await proxy.stat('listener_manager.lds.update_rejected')) === 1);
  const result = await runLoad({ origin, total: 200, concurrency: 10 });
  expect(failures(result)).toBe(0);
  expect(v1.requests.length).toBe(200);
  expect(proxy.output()).toMatch(/cds\.yaml: resources\[0\]\.lb_polcy: unknown field/);
  expect(proxy.output()).toMatch(/unknown cluster "nope"/);
  const dump = JSON.parse((await proxy.adminGet('/config_dump')).body);
  const listeners = dump.configs.find((c: { '@type': string }) => c['@type'].endsWith('ListenersConfigDump'));
  expect(listeners.dynamic_listeners[0].active_state.version_info).toBe('l1');
  // A valid update after the bad ones is applied.
  writeAtomic(cds, discoveryResponse('c2', clusters('1s')));
  writeAtomic(lds, discoveryResponse('l2', [httpListener('ingress', { v2: 1 })]));
  await waitFor('the good update', async () => JSON.parse((await httpRequest(`${origin}/`)).body).upstream === 'v2');
  expect(v2.requests.length).toBeGreaterThan(0);
});

test('the node identity comes from the bootstrap, overridden by --service-node', async () => {
  const { proxy } = await setup();
  const info = JSON.parse((await proxy.adminGet('/server_info')).body);
  expect(info.state).toBe('LIVE');
  expect(info.node.id).toBe('files-test');
  expect(info.node.cluster).toBe('files');
});

test('a listener that arrives before its new cluster is applied once CDS brings the cluster', async () => {
  const { v2, lds, cds, clusters, proxy } = await setup();
  const origin = await proxy.origin('ingress');
  const v3 = await startUpstream('v3');
  // LDS first, naming a cluster CDS has not delivered: rejected, and kept waiting.
  writeAtomic(lds, discoveryResponse('l2', [httpListener('ingress', { v3: 1 })]));
  await waitFor('the early LDS rejected', async () => (await proxy.stat('listener_manager.lds.update_rejected')) === 1);
  expect(JSON.parse((await httpRequest(`${origin}/`)).body).upstream).toBe('v1');
  writeAtomic(cds, discoveryResponse('c2', [...clusters('1s'), staticCluster('v3', [v3.port])]));
  await waitFor(
    'the waiting LDS applied',
    async () => JSON.parse((await httpRequest(`${origin}/`)).body).upstream === 'v3',
  );
  const dump = JSON.parse((await proxy.adminGet('/config_dump')).body);
  const listeners = dump.configs.find((c: { '@type': string }) => c['@type'].endsWith('ListenersConfigDump'));
  expect(listeners.dynamic_listeners[0].active_state.version_info).toBe('l2');
  expect(v2.requests).toHaveLength(0);
});
