/**
 * The local CA: workload certificates carry exactly their SPIFFE ID, chain to the CA, are
 * short-lived, and are renewed into the same directory (new serial, same identity) through the
 * atomic `..data` swap.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate, LocalIdentityIssuer } from '../../lib/pki';
import { tempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait';

test('issues SPIFFE certificates that chain to the mesh CA and renews them in place', async () => {
  const issuer = await LocalIdentityIssuer.create({
    trustDomain: 'bank.example',
    rootDir: tempDir('trellis-pki-'),
    certificateValidityMs: 3000,
  });
  const id = await issuer.issue('rates/v1', 'spiffe://bank.example/rates/v1');
  expect(id.dir).toMatch(/rates_v1$/);
  const read = () => new X509Certificate(readFileSync(join(id.dir, 'cert.pem')));
  const ca = new X509Certificate(readFileSync(join(id.dir, 'ca.pem')));
  const first = read();
  expect(first.subjectAltName).toBe('URI:spiffe://bank.example/rates/v1');
  expect(first.checkIssued(ca) && first.verify(ca.publicKey)).toBe(true);
  expect(first.ca).toBe(false);
  expect(ca.ca).toBe(true);
  expect(Date.parse(first.validTo) - Date.now()).toBeLessThan(2 * 60_000);
  expect(readlinkSync(join(id.dir, 'cert.pem'))).toBe(join('..data', 'cert.pem'));
  issuer.startRenewal();
  try {
    await waitFor('a renewed certificate', () => read().serialNumber !== first.serialNumber, 10_000);
    expect(read().subjectAltName).toBe('URI:spiffe://bank.example/rates/v1');
  } finally {
    issuer.stop();
  }
});

test('refuses identities outside its trust domain', async () => {
  const issuer = await LocalIdentityIssuer.create({ trustDomain: 'bank.example', rootDir: tempDir('trellis-pki-') });
  await expect(issueCertificate(issuer.ca, { spiffeId: 'spiffe://evil.example/x' })).rejects.toThrow(
    /not in trust domain bank\.example/,
  );
});
