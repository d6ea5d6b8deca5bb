/**
 * Two sidecars talk mTLS on 127.0.0.1: the caller's cluster presents its SPIFFE identity and
 * expects the callee's; the callee's inbound listener takes TLS only and requires a client
 * certificate from the mesh CA. Refusals (plaintext, no certificate, expired certificate,
 * another CA, the wrong identity) are counted in `ssl.*` stats and logged.
 */
import { connect as netConnect } from 'node:net';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { httpRequest } from '../support/http-client';
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

/** Opens a TLS connection to the callee as a client with the given credentials; resolves how it ended. */
function tlsProbe(opts: { cert?: string; key?: string; ca: string }): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const sock = tlsConnect({
      host: '127.0.0.1',
      port: calleePort,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      servername: 'rates',
      checkServerIdentity: () => undefined,
      ALPNProtocols: ['http/1.1'],
    });
    let data = '';
    sock.on('secureConnect', () => sock.write('GET /probe HTTP/1.1\r\nhost: rates\r\nconnection: close\r\n\r\n'));
    sock.on('data', (d) => {
      data += d.toString();
    });
    sock.on('error', (e) => resolve({ error: e.message }));
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve(m ? { status: Number(m[1]) } : { error: 'closed without a response' });
    });
  });
}

beforeAll(async () => {
  pki = await TestPki.create('bank.example');
  app = await startUpstream('rates-app');
  rates = await pki.identity('rates', 'v1');
  accounts = await pki.identity('accounts', 'v1');
  callee = await startProxy({ config: inboundSidecar(rates, app.port) });
  calleePort = await callee.listenerPort('inbound');
  caller = await startProxy({ config: outboundSidecar(accounts, calleePort, rates.spiffeId) });
});

afterAll(async () => {
  await caller?.stop();
  await callee?.stop();
  await closeAllUpstreams();
});

test('the caller reaches the callee over mTLS, and the callee sees a TLS connection from the caller identity', async () => {
  const r = await httpRequest(`${await caller.origin('egress')}/hello`);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body).upstream).toBe('rates-app');
  expect(await callee.stat('listener.inbound.ssl.handshake')).toBeGreaterThanOrEqual(1);
  expect(await caller.stat('cluster.callee.ssl.handshake')).toBeGreaterThanOrEqual(1);
  expect(app.requests.at(-1)?.path).toBe('/hello');
});

test('TLS 1.3 is negotiated and the callee presents its SPIFFE identity', async () => {
  const peer = await new Promise<{ cert: PeerCertificate; protocol: string | null }>((resolve, reject) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port: calleePort,
      ca: pki.ca.certPem,
      cert: accounts.issued.certPem,
      key: accounts.issued.keyPem,
      checkServerIdentity: () => undefined,
    });
    s.on('secureConnect', () => {
      resolve({ cert: s.getPeerCertificate(), protocol: s.getProtocol() });
      s.destroy();
    });
    s.on('error', reject);
  });
  expect(peer.protocol).toBe('TLSv1.3');
  expect(peer.cert.subjectaltname).toBe(`URI:${rates.spiffeId}`);
});

test('a plaintext client is refused and counted', async () => {
  const before = await callee.stat('listener.inbound.no_filter_chain_match');
  const answer = await new Promise<string>((resolve) => {
    const s = netConnect(calleePort, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nhost: rates\r\n\r\n'));
    let data = '';
    s.on('data', (d) => {
      data += d.toString();
    });
    s.on('error', () => {});
    s.on('close', () => resolve(data));
  });
  expect(answer).toBe('');
  await waitFor(
    'no_filter_chain_match',
    async () => (await callee.stat('listener.inbound.no_filter_chain_match')) > before,
  );
  expect(app.requests.some((r) => r.path === '/')).toBe(false);
  await waitFor('the refusal log', () => /refused: no filter chain matches/.test(callee.output()));
  expect(callee.output()).toMatch(
    /listener inbound: connection from 127\.0\.0\.1:\d+ refused: no filter chain matches \(transport raw_buffer\)/,
  );
});

test('a client without a certificate is refused: ssl.fail_verify_no_cert', async () => {
  const before = await callee.stat('listener.inbound.ssl.fail_verify_no_cert');
  const r = await tlsProbe({ ca: pki.ca.certPem });
  expect(r.status).toBeUndefined();
  await waitFor(
    'fail_verify_no_cert',
    async () => (await callee.stat('listener.inbound.ssl.fail_verify_no_cert')) > before,
  );
  expect(callee.output()).toMatch(/refused: peer did not present a certificate/);
});

test('a client with an expired certificate is refused: ssl.fail_verify_error', async () => {
  const expired = await pki.expired(pki.spiffeId('accounts'));
  const before = await callee.stat('listener.inbound.ssl.fail_verify_error');
  const r = await tlsProbe({ ca: pki.ca.certPem, cert: expired.certPem, key: expired.keyPem });
  expect(r.status).toBeUndefined();
  await waitFor(
    'fail_verify_error',
    async () => (await callee.stat('listener.inbound.ssl.fail_verify_error')) > before,
  );
  expect(callee.output()).toMatch(/certificate verify failed: CERT_HAS_EXPIRED/);
});

test('a client certificate from another CA (another mesh) is refused', async () => {
  const other = await TestPki.create('bank.example');
  const stranger = await other.issue(other.spiffeId('accounts'));
  const before = await callee.stat('listener.inbound.ssl.fail_verify_error');
  const r = await tlsProbe({ ca: pki.ca.certPem, cert: stranger.certPem, key: stranger.keyPem });
  expect(r.status).toBeUndefined();
  await waitFor(
    'fail_verify_error',
    async () => (await callee.stat('listener.inbound.ssl.fail_verify_error')) > before,
  );
});

test('a mesh client with a valid certificate gets through the TLS layer', async () => {
  const r = await tlsProbe({ ca: pki.ca.certPem, cert: accounts.issued.certPem, key: accounts.issued.keyPem });
  expect(r.status).toBe(200);
});

test('a callee presenting another service identity is refused by the caller: 503 and ssl.fail_verify_san', async () => {
  const impostor = await pki.identity('ledger', 'v1');
  const fake = await startProxy({ config: inboundSidecar(impostor, app.port) });
  const fakePort = await fake.listenerPort('inbound');
  // The caller expects rates/v1 but the host at this address is ledger/v1.
  const misled = await startProxy({ config: outboundSidecar(accounts, fakePort, rates.spiffeId) });
  try {
    const r = await httpRequest(`${await misled.origin('egress')}/steal`);
    expect(r.status).toBe(503);
    expect(await misled.stat('cluster.callee.ssl.fail_verify_san')).toBeGreaterThanOrEqual(1);
    expect(misled.output()).toMatch(/SAN mismatch: peer is spiffe:\/\/bank\.example\/ledger\/v1/);
    expect(app.requests.some((q) => q.path === '/steal')).toBe(false);
  } finally {
    await misled.stop();
    await fake.stop();
  }
});

test('HTTP/2 over TLS with ALPN h2 between the sidecars', async () => {
  const h2caller = await startProxy({ config: outboundSidecar(accounts, calleePort, rates.spiffeId, { http2: true }) });
  try {
    const before = await callee.stat('http.inbound.downstream_cx_http2_total');
    const r = await httpRequest(`${await h2caller.origin('egress')}/over-h2`);
    expect(r.status).toBe(200);
    expect(await callee.stat('http.inbound.downstream_cx_http2_total')).toBeGreaterThan(before);
    expect(await h2caller.stat('cluster.callee.ssl.handshake')).toBeGreaterThanOrEqual(1);
  } finally {
    await h2caller.stop();
  }
});

test('permissive mode (migration): plaintext and mTLS callers are both served, on their own chains', async () => {
  const permissive = await startProxy({ config: inboundSidecar(rates, app.port, { permissive: true }) });
  try {
    const port = await permissive.listenerPort('inbound');
    const plain = await httpRequest(`http://127.0.0.1:${port}/plain`);
    expect(plain.status).toBe(200);
    const viaMtls = await startProxy({ config: outboundSidecar(accounts, port, rates.spiffeId) });
    try {
      expect((await httpRequest(`${await viaMtls.origin('egress')}/mtls`)).status).toBe(200);
    } finally {
      await viaMtls.stop();
    }
    expect(await permissive.stat('http.inbound_plain.downstream_rq_total')).toBe(1);
    expect(await permissive.stat('http.inbound.downstream_rq_total')).toBe(1);
    expect(await permissive.stat('listener.inbound.ssl.handshake')).toBe(1);
  } finally {
    await permissive.stop();
  }
});
