/**
 * Service authorization, end to end: the rates/v1 sidecar runs the listeners the compiler emits
 * for test/fixtures/meshes/security.yaml (mTLS, then RBAC: DENY first, ALLOW for accounts and
 * the edge gateway). Callers connect with certificates from the test CA. The named caller is
 * allowed; anyone else gets 403 `RBAC: access denied` (HTTP) or a closed connection (TCP), and
 * every decision is counted and shows in the access log.
 */
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { IssuedCertificate } from '../../lib/pki';
import { identitySecrets, TestPki } from '../support/pki';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { tempDir } from '../support/temp-dir';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { waitFor } from '../support/wait';
import { compileProxy, localize } from './compiled-mesh';

jest.setTimeout(60_000);

let pki: TestPki;
let app: HttpUpstream;
let echo: Server;
let proxy: ProxyHandle;
let httpPort: number;
let tcpPort: number;
let accessLog: string;
const certs: Record<string, IssuedCertificate> = {};

function staticCluster(name: string, port: number) {
  return {
    name,
    connect_timeout: '2s',
    type: 'STATIC',
    load_assignment: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] },
      ],
    },
  };
}

beforeAll(async () => {
  pki = await TestPki.create('bank.example');
  const rates = await pki.identity('rates', 'v1');
  certs.accounts = await pki.issue('spiffe://bank.example/accounts/v1');
  certs.edge = await pki.issue('spiffe://bank.example/edge');
  certs.ledger = await pki.issue('spiffe://bank.example/ledger/v1');
  app = await startUpstream('rates-app');
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as { port: number }).port;
  const compiled = compileProxy('rates/v1');
  accessLog = join(tempDir('trellis-authz-'), 'access.log');
  const listeners = compiled.resources.listeners.map((l: { name: string }) =>
    localize(l, { http: 'app', tcp: 'echo' }, accessLog),
  );
  proxy = await startProxy({
    config: {
      node: { id: 'rates-v1', cluster: 'rates' },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      static_resources: {
        listeners,
        clusters: [staticCluster('app', app.port), staticCluster('echo', echoPort)],
        secrets: identitySecrets(rates),
      },
    },
  });
  httpPort = await proxy.listenerPort('ingress-7000');
  tcpPort = await proxy.listenerPort('ingress-7001');
});

afterAll(async () => {
  await proxy?.stop();
  await closeAllUpstreams();
  await new Promise((r) => echo?.close(r));
});

function h2Request(who: IssuedCertificate, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://127.0.0.1:${httpPort}`, {
      ca: pki.ca.certPem,
      cert: who.certPem,
      key: who.keyPem,
      checkServerIdentity: () => undefined,
    });
    // A refused handshake surfaces as a session error or a stream closed without a response.
    session.on('error', () => resolve({ status: 0, body: '' }));
    const req = session.request({ ':method': method, ':path': path });
    let status = 0;
    let body = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.setEncoding('utf8');
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(method === 'POST' ? 'x' : undefined);
  });
}

test('the named caller (accounts) is allowed, and so is the edge gateway', async () => {
  const before = await proxy.stat('http.ingress_7000.rbac.authz_allow_allowed');
  expect((await h2Request(certs.accounts, 'GET', '/rates/today')).status).toBe(200);
  expect((await h2Request(certs.edge, 'POST', '/rates/today')).status).toBe(200);
  expect(await proxy.stat('http.ingress_7000.rbac.authz_allow_allowed')).toBe(before + 2);
  expect(app.requests.map((r) => r.path)).toContain('/rates/today');
});

test('another service (ledger) is refused with 403 "RBAC: access denied", counted and logged', async () => {
  const before = await proxy.stat('http.ingress_7000.rbac.authz_allow_denied');
  const seen = app.requests.length;
  const r = await h2Request(certs.ledger, 'GET', '/rates/secret');
  expect(r.status).toBe(403);
  expect(r.body).toBe('RBAC: access denied');
  expect(await proxy.stat('http.ingress_7000.rbac.authz_allow_denied')).toBe(before + 1);
  expect(app.requests.length).toBe(seen);
  await waitFor('the access log line', () =>
    readFileSync(accessLog, 'utf8').includes(
      'GET /rates/secret 403 rbac_access_denied_matched_policy[none] spiffe://bank.example/ledger/v1',
    ),
  );
  expect(readFileSync(accessLog, 'utf8')).toMatch(/GET \/rates\/today 200 \S+ spiffe:\/\/bank\.example\/accounts\/v1/);
});

test('a caller from another trust domain (the partner scraper) is refused at the TLS layer, before RBAC', async () => {
  const other = await TestPki.create('partner.example');
  const scraper = await other.issue('spiffe://partner.example/scraper');
  const before = await proxy.stat(`listener.127.0.0.1_${httpPort}.ssl.fail_verify_error`);
  expect((await h2Request(scraper, 'POST', '/rates')).status).toBe(0);
  // A listener without stat_prefix is named by its address in stats, as in Envoy.
  const stat = `listener.127.0.0.1_${httpPort}.ssl.fail_verify_error`;
  await waitFor('fail_verify_error', async () => (await proxy.stat(stat)) > before);
  expect(proxy.output()).toMatch(/refused: certificate verify failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  expect(app.requests.some((r) => r.method === 'POST' && r.path === '/rates')).toBe(false);
});

function tcpEcho(who: IssuedCertificate | undefined): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port: tcpPort,
      ca: pki.ca.certPem,
      cert: who?.certPem,
      key: who?.keyPem,
      checkServerIdentity: () => undefined,
    });
    let data = '';
    s.on('secureConnect', () => s.write('ping'));
    s.on('data', (d) => {
      data += d.toString();
      if (data === 'ping') s.end();
    });
    s.on('error', () => {});
    s.on('close', () => resolve(data));
  });
}

test('network RBAC before tcp_proxy: accounts gets its bytes echoed, ledger is disconnected', async () => {
  expect(await tcpEcho(certs.accounts)).toBe('ping');
  expect(await tcpEcho(certs.ledger)).toBe('');
  expect(await proxy.stat('ingress_7001_authz_allow.rbac.allowed')).toBe(1);
  expect(await proxy.stat('ingress_7001_authz_allow.rbac.denied')).toBe(1);
  expect(await proxy.stat('ingress_7001_authz_deny.rbac.allowed')).toBe(2);
  expect(proxy.output()).toMatch(
    /rbac: connection from 127\.0\.0\.1:\d+ \(spiffe:\/\/bank\.example\/ledger\/v1\) denied/,
  );
});
