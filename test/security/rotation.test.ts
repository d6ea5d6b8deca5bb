/**
 * Certificate rotation under load: while undici sends requests through two mTLS sidecars, both
 * identity directories are rewritten (new keys and certificates, swapped in atomically as
 * `trellis up` and Kubernetes do). No request may fail, and connections opened after the swap
 * present the new certificate.
 */
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { writeIdentityDirectory } from '../../lib/pki';
import { failures, runLoad } from '../support/http-client';
import { type TestIdentity, TestPki } from '../support/pki';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { inboundSidecar, outboundSidecar } from './sidecars';

jest.setTimeout(60_000);

let pki: TestPki;
let app: HttpUpstream;
let rates: TestIdentity;
let accounts: TestIdentity;
let callee: ProxyHandle;
let caller: ProxyHandle;
let calleePort: number;

beforeAll(async () => {
  pki = await TestPki.create('bank.example');
  app = await startUpstream('rates-app');
  rates = await pki.identity('rates', 'v1');
  accounts = await pki.identity('accounts', 'v1');
  callee = await startProxy({ config: inboundSidecar(rates, app.port) });
  calleePort = await callee.listenerPort('inbound');
  const doc = outboundSidecar(accounts, calleePort, rates.spiffeId);
  // Connections are recycled every 25 requests, so many are opened across the rotation.
  doc.static_resources.clusters[0].common_http_protocol_options = { max_requests_per_connection: 25 };
  caller = await startProxy({ config: doc });
});

afterAll(async () => {
  await caller?.stop();
  await callee?.stop();
  await closeAllUpstreams();
});

function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port: calleePort,
      ca: pki.ca.certPem,
      cert: accounts.issued.certPem,
      key: accounts.issued.keyPem,
      checkServerIdentity: () => undefined,
    });
    s.on('secureConnect', () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.on('error', reject);
  });
}

async function rotate(id: TestIdentity): Promise<string> {
  const next = await pki.issue(id.spiffeId);
  writeIdentityDirectory(id.dir, { certPem: next.certPem, keyPem: next.keyPem, caPem: pki.ca.certPem });
  return new X509Certificate(next.certPem).serialNumber;
}

test('rotating both sidecars certificates under load loses no request', async () => {
  const origin = await caller.origin('egress');
  const rotations: Array<Promise<string>> = [];
  const result = await runLoad({
    origin,
    total: 3000,
    concurrency: 8,
    request: (i) => ({ path: `/r/${i}` }),
    onProgress: (done) => {
      if (done === 600 || done === 1800) rotations.push(rotate(rates), rotate(accounts));
    },
  });
  expect(result.errors).toEqual([]);
  expect(failures(result)).toBe(0);
  expect(result.statuses.get(200)).toBe(3000);
  const serials = await Promise.all(rotations);
  expect(serials).toHaveLength(4);
  // Each sidecar reloaded its identity (and its trust bundle, same directory).
  await waitFor('callee reloads', async () => (await callee.stat('sds.identity.update_success')) >= 1);
  await waitFor('caller reloads', async () => (await caller.stat('sds.identity.update_success')) >= 1);
  const latestCallee = serials[2];
  await waitFor(
    'a new connection presents the newest callee certificate',
    async () => (await servedSerial()) === latestCallee,
  );
  expect(await caller.stat('cluster.callee.ssl.handshake')).toBeGreaterThan(10);
  expect(await callee.stat('sds.identity.key_rotation_failed')).toBe(0);
  expect(app.requests.length).toBe(3000);
});
