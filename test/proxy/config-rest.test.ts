/**
 * REST-JSON config sources (`api_type: REST`): the proxy polls the control plane's REST
 * endpoint (lib/xds RestDiscovery on a plain HTTP server) for LDS and CDS (and EDS, RDS
 * through them), picks up a new snapshot on the next poll, and reports a rejected update in
 * its next request's error_detail.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EnvoyResource, makeSnapshot, TYPE_URLS } from '../../lib/compiler/snapshot';
import { SnapshotCache, XdsServer } from '../../lib/xds';
import { cleanupAll } from '../support/cleanup';
import { lbEndpoints } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { httpListener } from '../support/xds-files';

const NODE = 'rest/v1';
const servers: http.Server[] = [];

afterAll(async () => {
  await cleanupAll();
  for (const s of servers) s.close();
});

function snapshot(cluster: string, port: number, extra: Record<string, unknown> = {}) {
  const clusters: EnvoyResource[] = [
    {
      '@type': TYPE_URLS.clusters,
      name: cluster,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: { cluster_name: cluster, endpoints: lbEndpoints([port]) },
      ...extra,
    },
  ];
  return makeSnapshot({
    listeners: [httpListener('ingress', { [cluster]: 1 })],
    routes: [],
    clusters,
    endpoints: [],
    secrets: [],
  });
}

function restBootstrap(port: number) {
  const rest = {
    api_config_source: {
      api_type: 'REST',
      transport_api_version: 'V3',
      cluster_names: ['xds_rest'],
      refresh_delay: '0.2s',
    },
    resource_api_version: 'V3',
  };
  return {
    node: { id: NODE, cluster: 'rest' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    dynamic_resources: { lds_config: rest, cds_config: rest },
    static_resources: {
      clusters: [
        {
          name: 'xds_rest',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: { cluster_name: 'xds_rest', endpoints: lbEndpoints([port]) },
        },
      ],
    },
  };
}

test('REST polling: serves the first snapshot, follows a swap, reports a rejected update', async () => {
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  const cache = new SnapshotCache();
  cache.setSnapshot(NODE, snapshot('a', a.port));
  const xds = new XdsServer(cache);
  const server = http.createServer((req, res) => {
    if (!xds.rest.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = await startProxy({ config: restBootstrap((server.address() as AddressInfo).port) });
  const origin = await proxy.origin('ingress');
  expect(JSON.parse((await httpRequest(`${origin}/`)).body).upstream).toBe('a');

  const nacks: Array<{ message: string }> = [];
  xds.status.on('nack', (e) => nacks.push(e));
  const bad = snapshot('b', b.port, { lb_policy: 'MAGLEV' });
  cache.setSnapshot(NODE, bad);
  // CDS is NACKed for the field; LDS, naming a cluster that never arrived, is NACKed too.
  await waitFor('the rejection reported over REST', () =>
    nacks.some((n) => /lb_policy: "MAGLEV" is not supported/.test(n.message)),
  );
  expect(JSON.parse((await httpRequest(`${origin}/`)).body).upstream).toBe('a');

  cache.setSnapshot(NODE, snapshot('b', b.port));
  await waitFor('the swap', async () => JSON.parse((await httpRequest(`${origin}/`)).body).upstream === 'b').catch(
    (e) => {
      throw new Error(`${e.message}\n${proxy.output()}`);
    },
  );
  expect(await proxy.stat('cluster_manager.cds.update_rejected')).toBeGreaterThanOrEqual(1);
});
