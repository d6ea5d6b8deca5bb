/**
 * Workload certificates from AWS Private CA. The controller makes the key pair itself (ECDSA
 * P-256, never sent anywhere but into the proxy's own snapshot), sends a CSR, and asks for the
 * SPIFFE ID as the only SAN through the APIPassthrough end-entity template: CSR extensions are
 * not copied by the plain end-entity template, so the SAN must travel in `ApiPassthrough`.
 * IssueCertificate is asynchronous: GetCertificate answers RequestInProgressException until
 * the certificate is signed, so it is polled with a short backoff.
 */
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import {
  type ACMPCAClient,
  GetCertificateAuthorityCertificateCommand,
  GetCertificateCommand,
  IssueCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import * as x509 from '@peculiar/x509';
import { passthroughTemplateArn } from './private-ca-template';

x509.cryptoProvider.set(webcrypto as never);

const HOUR = 3_600_000;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** What one issuance produced: everything a proxy needs for its `identity` Secret. */
export interface IssuedIdentity {
  readonly spiffeId: string;
  readonly certificateAuthorityArn: string;
  readonly certificateArn: string;
  /** The leaf first, then the CA's chain: what Envoy's `certificate_chain` expects. */
  readonly certificateChain: string;
  readonly privateKey: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface PrivateCaIssuerOptions {
  readonly client: ACMPCAClient;
  readonly certificateAuthorityArn: string;
  /** Lifetime of each certificate. @default 24 */
  readonly validityHours?: number;
  /** GetCertificate polls while the certificate is being signed. @default 10 */
  readonly maxPolls?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Issuance failed for a reason the controller should report by proxy and CA. */
export class CertificateIssueError extends Error {
  constructor(
    readonly spiffeId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`certificate for ${spiffeId}: ${message}`, options);
    this.name = 'CertificateIssueError';
  }
}

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PrivateCaIssuer {
  readonly certificateAuthorityArn: string;
  private readonly client: ACMPCAClient;
  private readonly validityHours: number;
  private readonly maxPolls: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;

  constructor(o: PrivateCaIssuerOptions) {
    this.client = o.client;
    this.certificateAuthorityArn = o.certificateAuthorityArn;
    this.validityHours = o.validityHours ?? 24;
    this.maxPolls = o.maxPolls ?? 10;
    this.sleep = o.sleep ?? sleepFor;
    this.now = o.now ?? (() => new Date());
    if (!Number.isInteger(this.validityHours) || this.validityHours < 1) {
      throw new Error(`certificate validity must be a whole number of hours, at least 1, got ${this.validityHours}`);
    }
  }

  /** The CA's certificate and the chain above it: what every proxy trusts. */
  async trustBundle(): Promise<string> {
    const res = await this.client.send(
      new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: this.certificateAuthorityArn }),
    );
    if (!res.Certificate) throw new Error(`${this.certificateAuthorityArn} returned no CA certificate`);
    return joinPem(res.Certificate, res.CertificateChain);
  }

  /** A new key pair and a certificate for `spiffeId` signed by the CA. */
  async issue(spiffeId: string, commonName: string): Promise<IssuedIdentity> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      // SPIFFE X.509-SVIDs carry the identity in the URI SAN; the CN (at most 64 characters) is for people.
      name: [{ CN: [commonName.slice(0, 64)] }],
      keys,
      signingAlgorithm: ALG,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }])],
    });
    let certificateArn: string | undefined;
    try {
      const issued = await this.client.send(
        new IssueCertificateCommand({
          CertificateAuthorityArn: this.certificateAuthorityArn,
          Csr: new TextEncoder().encode(csr.toString('pem')),
          SigningAlgorithm: 'SHA256WITHECDSA',
          TemplateArn: passthroughTemplateArn(this.certificateAuthorityArn),
          // Private CA has no HOURS validity type: an absolute end (Unix seconds) gives any whole-hour lifetime.
          Validity: { Type: 'ABSOLUTE', Value: Math.floor((this.now().getTime() + this.validityHours * HOUR) / 1000) },
          ApiPassthrough: { Extensions: { SubjectAlternativeNames: [{ UniformResourceIdentifier: spiffeId }] } },
        }),
      );
      certificateArn = issued.CertificateArn;
    } catch (e) {
      throw new CertificateIssueError(spiffeId, `IssueCertificate failed: ${describe(e)}`, { cause: e });
    }
    if (!certificateArn) throw new CertificateIssueError(spiffeId, 'IssueCertificate returned no certificate ARN');

    const { certificate, chain } = await this.fetch(spiffeId, certificateArn);
    const leaf = new x509.X509Certificate(certificate);
    // A CA or template that dropped the SAN would give a proxy no identity: refuse it here.
    const uris = leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.filter((n) => n.type === 'url');
    if (!uris?.some((n) => n.value === spiffeId)) {
      throw new CertificateIssueError(spiffeId, `the issued certificate ${certificateArn} does not name it`);
    }
    const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      spiffeId,
      certificateAuthorityArn: this.certificateAuthorityArn,
      certificateArn,
      certificateChain: joinPem(certificate, chain),
      privateKey: x509.PemConverter.encode(der, 'PRIVATE KEY'),
      notBefore: leaf.notBefore.toISOString(),
      notAfter: leaf.notAfter.toISOString(),
    };
  }

  private async fetch(spiffeId: string, certificateArn: string): Promise<{ certificate: string; chain?: string }> {
    for (let poll = 1; ; poll++) {
      try {
        const res = await this.client.send(
          new GetCertificateCommand({
            CertificateAuthorityArn: this.certificateAuthorityArn,
            CertificateArn: certificateArn,
          }),
        );
        if (!res.Certificate)
          throw new CertificateIssueError(spiffeId, `GetCertificate returned no certificate for ${certificateArn}`);
        return { certificate: res.Certificate, chain: res.CertificateChain };
      } catch (e) {
        if (e instanceof CertificateIssueError) throw e;
        if ((e as Error).name !== 'RequestInProgressException' || poll >= this.maxPolls) {
          throw new CertificateIssueError(spiffeId, `GetCertificate ${certificateArn} failed: ${describe(e)}`, {
            cause: e,
          });
        }
        // Signing usually takes well under a second; back off gently up to 2 s.
        await this.sleep(Math.min(2000, 200 * poll));
      }
    }
  }
}

function describe(e: unknown): string {
  const err = e as Error;
  return `${err.name}: ${err.message}`;
}

function joinPem(...parts: (string | undefined)[]): string {
  return `${parts
    .filter((p): p is string => !!p?.trim())
    .map((p) => p.trim())
    .join('\n')}\n`;
}
