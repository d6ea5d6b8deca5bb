/**
 * A local certificate authority for a mesh: a self-signed ECDSA P-256 root, and short-lived
 * workload certificates whose only name is a SPIFFE URI SAN (`spiffe://<trust domain>/<service>/
 * <version>`), as SPIRE and AWS Private CA issue them for a mesh. `trellis up` creates one per
 * run; in AWS, AWS Private CA plays this part.
 */
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR = 3_600_000;

export interface CertificateAuthority {
  readonly trustDomain: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** @internal the signing key and certificate */
  readonly key: webcrypto.CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly spiffeId: string;
  readonly notAfter: Date;
}

export interface CaOptions {
  /** The SPIFFE trust domain, usually the mesh name. */
  readonly trustDomain: string;
  /** @default 24 hours */
  readonly validityMs?: number;
  /** @default now */
  readonly now?: Date;
}

export interface IssueOptions {
  /** `spiffe://<trust domain>/...`; must be in the CA's trust domain. */
  readonly spiffeId: string;
  /** @default 1 hour (short-lived: the holder renews) */
  readonly validityMs?: number;
  /** @default now minus 1 minute (clock skew) */
  readonly notBefore?: Date;
  /** Also name a DNS SAN (e.g. for a gateway's public name). */
  readonly dnsNames?: readonly string[];
}

const TRUST_DOMAIN = /^[a-z0-9._-]+$/;

function serial(): string {
  // Positive 16-byte serial, as RFC 5280 asks.
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  return Buffer.from(b).toString('hex');
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function createCertificateAuthority(o: CaOptions): Promise<CertificateAuthority> {
  if (!TRUST_DOMAIN.test(o.trustDomain)) {
    throw new Error(`trust domain "${o.trustDomain}" must be lowercase letters, digits, dots, dashes or underscores`);
  }
  const now = o.now ?? new Date();
  const key = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Trellis mesh CA ${o.trustDomain}, O=Trellis`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (o.validityMs ?? 24 * HOUR)),
    signingAlgorithm: ALG,
    keys: key,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${o.trustDomain}` }]),
    ],
  });
  return { trustDomain: o.trustDomain, certPem: cert.toString('pem'), keyPem: await keyPem(key.privateKey), key, cert };
}

export async function issueCertificate(ca: CertificateAuthority, o: IssueOptions): Promise<IssuedCertificate> {
  const prefix = `spiffe://${ca.trustDomain}/`;
  if (!o.spiffeId.startsWith(prefix) || o.spiffeId.length === prefix.length) {
    throw new Error(`spiffe id "${o.spiffeId}" is not in trust domain ${ca.trustDomain}`);
  }
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 60_000 + (o.validityMs ?? HOUR));
  const key = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    // SPIFFE X.509-SVIDs carry the identity in the URI SAN; the subject is informational.
    subject: `O=Trellis`,
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: key.publicKey,
    signingKey: ca.key.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: o.spiffeId },
        ...(o.dnsNames ?? []).map((d) => ({ type: 'dns' as const, value: d })),
      ]),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(key.privateKey), spiffeId: o.spiffeId, notAfter };
}
