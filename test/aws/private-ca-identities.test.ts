/**
 * Proxies' mTLS certificates from AWS Private CA (lib/aws/private-ca-issuer.ts and
 * proxy-identities.ts), with Private CA answered by a fake that really signs (test/support/
 * fake-private-ca.ts) and the identity vault in an in-memory S3 bucket. What is checked is the
 * certificate itself: its URI SAN, its key, its issuer, when it is renewed.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { ACMPCAClient, ACMPCAServiceException } from '@aws-sdk/client-acm-pca';
import { S3Client } from '@aws-sdk/client-s3';
import * as x509 from '@peculiar/x509';
import { S3IdentityVault } from '../../lib/aws/identity-vault';
import { CertificateIssueError, PrivateCaIssuer, type PrivateCaIssuerOptions } from '../../lib/aws/private-ca-issuer';
import { needsRenewal, proxyIdentities, RENEW_AT } from '../../lib/aws/proxy-identities';
import type { MeshModel } from '../../lib/model/model';
import { validateMesh } from '../../lib/model/validate';
import { identityKey } from '../../lib/snapshot-store/keys';
import { CA_ARN, FakePrivateCa } from '../support/fake-private-ca';
import { FakeS3Bucket } from '../support/fake-s3-bucket';
import { SHOP, SHOP_PROXIES } from './mesh-fixtures';

const HOUR = 3_600_000;
const BUCKET = 'trellis-identities-test';
const T0 = new Date('2026-11-01T12:00:00Z');

function model(mode: 'strict' | 'permissive' | 'disabled' = 'strict', trustDomain?: string): MeshModel {
  const { model, problems } = validateMesh({ ...SHOP, mtls: { mode, ...(trustDomain ? { trustDomain } : {}) } });
  if (!model) throw new Error(problems.map((p) => p.reason).join('; '));
  return model;
}

let ca: FakePrivateCa;
let bucket: FakeS3Bucket;
let clock: Date;
const sleeps: number[] = [];

beforeAll(async () => {
  ca = await FakePrivateCa.create('shop');
});
afterAll(() => ca.restore());

beforeEach(() => {
  bucket = new FakeS3Bucket(BUCKET);
  clock = T0;
  ca.now = () => clock;
  ca.requests.length = 0;
  ca.mock.resetHistory();
  ca.pendingPolls = 0;
  ca.issueFailure = undefined;
  sleeps.length = 0;
});
afterEach(() => bucket.restore());

function options(issuerOptions: Partial<PrivateCaIssuerOptions> = {}) {
  const issuer = new PrivateCaIssuer({
    client: new ACMPCAClient({ region: 'eu-west-1' }),
    certificateAuthorityArn: CA_ARN,
    validityHours: 24,
    now: () => clock,
    sleep: async (ms) => void sleeps.push(ms),
    ...issuerOptions,
  });
  const vault = new S3IdentityVault({ client: new S3Client({ region: 'eu-west-1' }), bucket: BUCKET });
  return { issuer, vault, now: () => clock };
}

function uriSans(pem: string): string[] {
  const leaf = new x509.X509Certificate(pem);
  return (leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [])
    .filter((n) => n.type === 'url')
    .map((n) => n.value);
}

/** The key signs something the certificate's public key verifies: they are one pair. */
async function keyMatches(certificatePem: string, keyPem: string): Promise<boolean> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  const key = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(keyPem)[0], alg, false, ['sign']);
  const data = new TextEncoder().encode('trellis');
  const sig = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data);
  const pub = await new x509.X509Certificate(certificatePem).publicKey.export(alg, ['verify']);
  return webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, sig, data);
}

test('issues every proxy a certificate naming its SPIFFE ID, through the APIPassthrough template', async () => {
  const { certificates, issued } = await proxyIdentities(model(), options());
  expect(issued).toEqual(SHOP_PROXIES);
  expect(Object.keys(certificates).sort()).toEqual(SHOP_PROXIES);

  expect(ca.requests).toHaveLength(SHOP_PROXIES.length);
  for (const r of ca.requests) {
    expect(r.TemplateArn).toBe('arn:aws:acm-pca:::template/EndEntityCertificate_APIPassthrough/V1');
    expect(r.SigningAlgorithm).toBe('SHA256WITHECDSA');
    expect(r.Validity).toEqual({ Type: 'ABSOLUTE', Value: (T0.getTime() + 24 * HOUR) / 1000 });
  }
  const sans = ca.requests.map((r) => r.ApiPassthrough?.Extensions?.SubjectAlternativeNames).sort();
  expect(sans).toContainEqual([{ UniformResourceIdentifier: 'spiffe://shop/catalog/v1' }]);
  expect(sans).toContainEqual([{ UniformResourceIdentifier: 'spiffe://shop/ingress' }]);

  expect(uriSans(certificates['catalog/v2'].certificateChain)).toEqual(['spiffe://shop/catalog/v2']);
  expect(uriSans(certificates.ingress.certificateChain)).toEqual(['spiffe://shop/ingress']);
  for (const proxy of SHOP_PROXIES) {
    const c = certificates[proxy];
    // Leaf first, then the CA: the chain Envoy presents.
    const chain = x509.PemConverter.decode(c.certificateChain);
    expect(chain).toHaveLength(2);
    const leaf = new x509.X509Certificate(chain[0]);
    expect(await leaf.verify({ publicKey: ca.ca.cert.publicKey, signatureOnly: true })).toBe(true);
    expect(await keyMatches(c.certificateChain, c.privateKey)).toBe(true);
    expect(c.trustBundle.trim()).toBe(ca.ca.certPem.trim());
  }
  // Every proxy has its own key pair.
  expect(new Set(SHOP_PROXIES.map((p) => certificates[p].privateKey)).size).toBe(SHOP_PROXIES.length);
});

test('stores each identity under identities/, outside every proxy-readable snapshots/ prefix', async () => {
  await proxyIdentities(model(), options());
  expect(identityKey('catalog/v1')).toBe('identities/sidecars/catalog/v1/identity.json');
  expect(identityKey('ingress')).toBe('identities/gateways/ingress/identity.json');
  expect([...bucket.objects.keys()].sort()).toEqual(SHOP_PROXIES.map(identityKey).sort());
  const stored = bucket.json(identityKey('catalog/v1')) as Record<string, string>;
  expect(stored.spiffeId).toBe('spiffe://shop/catalog/v1');
  expect(stored.certificateAuthorityArn).toBe(CA_ARN);
  expect(stored.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
});

test('reuses a stored certificate while it is young, and renews it past two thirds of its life', async () => {
  const first = await proxyIdentities(model(), options());
  const lifetime = 25 * HOUR; // backdated an hour by the CA, valid 24 hours ahead
  const renewAt = T0.getTime() - HOUR + lifetime * RENEW_AT;

  clock = new Date(renewAt - 5 * 60_000);
  ca.requests.length = 0;
  const reused = await proxyIdentities(model(), options());
  expect(ca.requests).toHaveLength(0);
  expect(reused.issued).toEqual([]);
  expect(reused.certificates).toEqual(first.certificates);

  clock = new Date(renewAt);
  const renewed = await proxyIdentities(model(), options());
  expect(renewed.issued).toEqual(SHOP_PROXIES);
  expect(ca.requests).toHaveLength(SHOP_PROXIES.length);
  const before = new x509.X509Certificate(first.certificates['catalog/v1'].certificateChain);
  const after = new x509.X509Certificate(renewed.certificates['catalog/v1'].certificateChain);
  expect(after.notAfter.getTime()).toBe(renewAt + 24 * HOUR - (renewAt % 1000));
  expect(after.notAfter.getTime()).toBeGreaterThan(before.notAfter.getTime());
  expect(renewed.certificates['catalog/v1'].privateKey).not.toBe(first.certificates['catalog/v1'].privateKey);
  expect(uriSans(renewed.certificates['catalog/v1'].certificateChain)).toEqual(['spiffe://shop/catalog/v1']);
});

test('needsRenewal: missing, another identity, another CA, or two thirds of the lifetime gone', () => {
  const stored = {
    spiffeId: 'spiffe://shop/a/v1',
    certificateAuthorityArn: CA_ARN,
    certificateArn: `${CA_ARN}/certificate/01`,
    certificateChain: '',
    privateKey: '',
    notBefore: '2026-11-01T00:00:00.000Z',
    notAfter: '2026-11-01T03:00:00.000Z',
  };
  const at = (iso: string) => new Date(iso);
  expect(needsRenewal(undefined, stored.spiffeId, CA_ARN, at('2026-11-01T00:10:00Z'))).toBe(true);
  expect(needsRenewal(stored, stored.spiffeId, CA_ARN, at('2026-11-01T01:59:59Z'))).toBe(false);
  expect(needsRenewal(stored, stored.spiffeId, CA_ARN, at('2026-11-01T02:00:00Z'))).toBe(true);
  expect(needsRenewal(stored, 'spiffe://shop/a/v2', CA_ARN, at('2026-11-01T00:10:00Z'))).toBe(true);
  expect(needsRenewal(stored, stored.spiffeId, `${CA_ARN}x`, at('2026-11-01T00:10:00Z'))).toBe(true);
});

test('a new trust domain gets new certificates at once', async () => {
  await proxyIdentities(model(), options());
  ca.requests.length = 0;
  const moved = await proxyIdentities(model('strict', 'shop.example'), options());
  expect(moved.issued).toEqual(SHOP_PROXIES);
  expect(uriSans(moved.certificates['reviews/v1'].certificateChain)).toEqual(['spiffe://shop.example/reviews/v1']);
});

test('a mesh without mTLS asks the CA nothing', async () => {
  const out = await proxyIdentities(model('disabled'), options());
  expect(out).toEqual({ certificates: {}, issued: [] });
  expect(ca.mock.calls()).toHaveLength(0);
  expect(bucket.objects.size).toBe(0);
});

test('waits while Private CA is still signing (RequestInProgressException)', async () => {
  ca.pendingPolls = 2;
  const { certificates } = await proxyIdentities(model('permissive'), { ...options(), concurrency: 1 });
  expect(ca.requests).toHaveLength(SHOP_PROXIES.length);
  expect(uriSans(certificates['frontend/v1'].certificateChain)).toEqual(['spiffe://shop/frontend/v1']);
  expect(sleeps).toEqual(SHOP_PROXIES.flatMap(() => [200, 400]));
});

test('a certificate still in progress after every poll fails the run, naming the proxy', async () => {
  ca.pendingPolls = 100;
  const run = proxyIdentities(model(), { ...options({ maxPolls: 3 }), concurrency: 1 });
  await expect(run).rejects.toThrow(CertificateIssueError);
  await expect(run).rejects.toThrow(
    /certificate for spiffe:\/\/shop\/catalog\/v1: GetCertificate .* RequestInProgressException/,
  );
  expect(bucket.objects.size).toBe(0);
});

test('IssueCertificate errors reach the caller with the identity and the AWS error', async () => {
  // Not a modelled ACM PCA error: the SDK raises it as a service exception with this name.
  ca.issueFailure = new ACMPCAServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    message: 'not authorized to perform acm-pca:IssueCertificate',
    $metadata: { httpStatusCode: 400 },
  });
  const run = proxyIdentities(model(), { ...options(), concurrency: 1 });
  await expect(run).rejects.toThrow(
    'certificate for spiffe://shop/catalog/v1: IssueCertificate failed: AccessDeniedException: not authorized to perform acm-pca:IssueCertificate',
  );
  // The first failure stops the others: one request, nothing stored.
  expect(ca.requests).toHaveLength(1);
  expect(bucket.objects.size).toBe(0);
});

test('a certificate without the SPIFFE ID is refused and not stored', async () => {
  // A CA whose template drops ApiPassthrough SANs (any template but the passthrough ones).
  ca.ignorePassthrough = true;
  try {
    const run = proxyIdentities(model(), { ...options(), concurrency: 1 });
    await expect(run).rejects.toThrow(
      /certificate for spiffe:\/\/shop\/catalog\/v1: the issued certificate .* does not name it/,
    );
    expect(bucket.objects.size).toBe(0);
  } finally {
    ca.ignorePassthrough = false;
  }
});
