/**
 * The compiler's mesh, served over ADS: test/fixtures/meshes/security.yaml compiled for
 * accounts/v1 and rates/v1 and served by the control plane's own xDS server (lib/xds), with
 * only addresses, endpoints and the identity directory changed for 127.0.0.1. Listeners,
 * clusters, SDS secrets (`identity`, `trust-bundle`, with `sds_config: ads`), TLS contexts and
 * RBAC are exactly what the control plane emits. A new `identity` pushed over SDS takes effect
 * for new connections.
 */
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { adsBootstrap } from '../../lib/compiler/bootstrap';
import { type EnvoyResource, makeSnapshot, type Snapshot } from '../../lib/compiler/snapshot';
import { SnapshotCache, XdsServer } from '../../lib/xds';
import type { Doc } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { type TestIdentity, TestPki } from '../support/pki';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { compileProxy } from './compiled-mesh';

jest.setTimeout(60_000);

let pki: TestPki;
let app: HttpUpstream;
let xds: XdsServer;
const cache = new SnapshotCache();
let rates: ProxyHandle;
let accounts: ProxyHandle;
let ratesId: TestIdentity;
let ratesCompiled: Doc;
let ratesPort: number;

function endpoint(cluster: string, port: number): EnvoyResource {
  return {
    '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    cluster_name: cluster,
    endpoints: [
      { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] },
    ],
  };
}

/** The compiled snapshot on loopback: ports 0, inbound clusters to the app, files in `dir`. */
function localSnapshot(
  compiled: Doc,
  dir: string,
  opts: { appPort?: number; endpoints?: Record<string, number>; secrets?: EnvoyResource[] },
): Snapshot {
  const r = JSON.parse(JSON.stringify(compiled.resources).replaceAll('/etc/trellis/tls', dir));
  for (const l of r.listeners) l.address = { socket_address: { address: '127.0.0.1', port_value: 0 } };
  for (const c of r.clusters) {
    if (c.name.startsWith('inbound|') && opts.appPort) {
      c.load_assignment = endpoint(c.name, opts.appPort);
      delete c.load_assignment['@type'];
    }
  }
  const endpoints = r.endpoints.map((e: EnvoyResource) =>
    opts.endpoints?.[e.cluster_name as string]
      ? endpoint(e.cluster_name as string, opts.endpoints[e.cluster_name as string])
      : e,
  );
  return makeSnapshot({
    listeners: r.listeners,
    routes: r.routes,
    clusters: r.clusters,
    endpoints,
    secrets: opts.secrets ?? r.secrets,
  });
}

beforeAll(async () => {
  pki = await TestPki.create('bank.example');
  app = await startUpstream('rates-app');
  ratesId = await pki.identity('rates', 'v1');
  const accountsId = await pki.identity('accounts', 'v1');
  xds = new XdsServer(cache);
  const xdsPort = await xds.listen(0, '127.0.0.1');
  ratesCompiled = compileProxy('rates/v1');
  cache.setSnapshot('rates/v1', localSnapshot(ratesCompiled, ratesId.dir, { appPort: app.port }));
  rates = await startProxy({
    config: adsBootstrap({ proxy: 'rates/v1', adminPort: 0, xdsAddress: '127.0.0.1', xdsPort }),
  });
  ratesPort = await rates.listenerPort('ingress-7000');
  const accountsCompiled = compileProxy('accounts/v1');
  cache.setSnapshot(
    'accounts/v1',
    localSnapshot(accountsCompiled, accountsId.dir, { endpoints: { 'outbound|7000|v1|rates': ratesPort } }),
  );
  accounts = await startProxy({
    config: adsBootstrap({ proxy: 'accounts/v1', adminPort: 0, xdsAddress: '127.0.0.1', xdsPort }),
  });
});

afterAll(async () => {
  await accounts?.stop();
  await rates?.stop();
  await xds?.close();
  await closeAllUpstreams();
});

function servedSerial(): Promise<string> {
  const caller = pki.issue('spiffe://bank.example/accounts/v1');
  return caller.then(
    (c) =>
      new Promise((resolve, reject) => {
        const s = tlsConnect({
          host: '127.0.0.1',
          port: ratesPort,
          ca: pki.ca.certPem,
          cert: c.certPem,
          key: c.keyPem,
          checkServerIdentity: () => undefined,
        });
        s.on('secureConnect', () => {
          resolve(s.getPeerCertificate().serialNumber);
          s.destroy();
        });
        s.on('error', reject);
      }),
  );
}

test('accounts calls rates through the compiled mesh: mTLS with SDS secrets over ADS, RBAC allows accounts', async () => {
  const origin = await accounts.origin('egress-http');
  const r = await httpRequest(`${origin}/rates/today`, { headers: { host: 'rates:7000' } });
  expect(r.status).toBe(200);
  expect(app.requests.at(-1)?.path).toBe('/rates/today');
  const prefix = `listener.127.0.0.1_${ratesPort}.`;
  expect(await rates.stat(`${prefix}ssl.handshake`)).toBeGreaterThanOrEqual(1);
  expect(await rates.stat('http.ingress_7000.rbac.authz_allow_allowed')).toBeGreaterThanOrEqual(1);
  expect(await accounts.stat('cluster.outbound|7000|v1|rates.ssl.handshake')).toBeGreaterThanOrEqual(1);
  expect(await rates.stat('sds.update_success')).toBeGreaterThanOrEqual(1);
});

test('a new identity pushed over SDS (inline) is presented on new connections; requests keep flowing', async () => {
  const next = await pki.issue(ratesId.spiffeId);
  const compiledSecrets = JSON.parse(
    JSON.stringify(ratesCompiled.resources.secrets).replaceAll('/etc/trellis/tls', ratesId.dir),
  );
  const secrets = compiledSecrets.map((s: EnvoyResource) =>
    s.name === 'identity'
      ? {
          '@type': s['@type'],
          name: 'identity',
          tls_certificate: {
            certificate_chain: { inline_string: next.certPem },
            private_key: { inline_string: next.keyPem },
          },
        }
      : s,
  );
  cache.setSnapshot('rates/v1', localSnapshot(ratesCompiled, ratesId.dir, { appPort: app.port, secrets }));
  const want = new X509Certificate(next.certPem).serialNumber;
  await waitFor('rates presents the pushed certificate', async () => (await servedSerial()) === want);
  const origin = await accounts.origin('egress-http');
  for (let i = 0; i < 20; i++) {
    const r = await httpRequest(`${origin}/rates/${i}`, { headers: { host: 'rates:7000', connection: 'close' } });
    expect(r.status).toBe(200);
  }
});
