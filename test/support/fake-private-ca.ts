/**
 * AWS Private CA behind aws-sdk-client-mock, signing for real: a local CA (lib/pki) signs each
 * CSR's public key the way Private CA's APIPassthrough end-entity template does — the SANs come
 * from `ApiPassthrough`, not from the CSR, and the validity from `Validity` — so what a test
 * reads back is a certificate a TLS stack would accept or refuse. `GetCertificate` answers
 * RequestInProgressException for the first `pendingPolls` calls of each certificate, as the
 * real service does while it signs.
 */
import 'reflect-metadata';
import {
  ACMPCAClient,
  GetCertificateAuthorityCertificateCommand,
  type GetCertificateAuthorityCertificateCommandInput,
  GetCertificateCommand,
  type GetCertificateCommandInput,
  IssueCertificateCommand,
  type IssueCertificateCommandInput,
  RequestInProgressException,
  ResourceNotFoundException,
} from '@aws-sdk/client-acm-pca';
import * as x509 from '@peculiar/x509';
import { mockClient } from 'aws-sdk-client-mock';
import { type CertificateAuthority, createCertificateAuthority } from '../../lib/pki/certificate-authority';

export const CA_ARN =
  'arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

interface Issued {
  pem: string;
  polls: number;
}

export class FakePrivateCa {
  // client-acm-pca 3.523 (the newest the registry mirror serves) is typed against @smithy/types 2,
  // aws-sdk-client-mock against 4; the runtime contract it stubs (`Client.prototype.send`) is the same.
  readonly mock = mockClient(ACMPCAClient as never);
  /** Every IssueCertificate request, in order. */
  readonly requests: IssueCertificateCommandInput[] = [];
  /** GetCertificate calls answered "in progress" before each certificate is ready. */
  pendingPolls = 0;
  /** Models a template that ignores ApiPassthrough: certificates come out with no SAN. */
  ignorePassthrough = false;
  /** When set, IssueCertificate fails with it. */
  issueFailure?: Error;
  /** The fake's clock: certificates are backdated an hour from it, as Private CA does. */
  now = () => new Date();
  private readonly certificates = new Map<string, Issued>();
  private serial = 0;

  private constructor(readonly ca: CertificateAuthority) {
    this.mock
      .on(IssueCertificateCommand as never)
      .callsFake((input: IssueCertificateCommandInput) => this.issue(input));
    this.mock.on(GetCertificateCommand as never).callsFake((input: GetCertificateCommandInput) => {
      this.checkCa(input.CertificateAuthorityArn);
      const issued = this.certificates.get(input.CertificateArn ?? '');
      if (!issued)
        throw new ResourceNotFoundException({ message: `no certificate ${input.CertificateArn}`, $metadata: {} });
      if (issued.polls++ < this.pendingPolls) {
        throw new RequestInProgressException({ message: 'The request is still in progress', $metadata: {} });
      }
      return { Certificate: issued.pem, CertificateChain: this.ca.certPem };
    });
    this.mock
      .on(GetCertificateAuthorityCertificateCommand as never)
      .callsFake((input: GetCertificateAuthorityCertificateCommandInput) => {
        this.checkCa(input.CertificateAuthorityArn);
        return { Certificate: this.ca.certPem };
      });
  }

  static async create(trustDomain: string): Promise<FakePrivateCa> {
    return new FakePrivateCa(await createCertificateAuthority({ trustDomain, validityMs: 3650 * 24 * 3_600_000 }));
  }

  restore(): void {
    this.mock.restore();
  }

  private checkCa(arn: string | undefined): void {
    if (arn !== CA_ARN) throw new ResourceNotFoundException({ message: `no CA ${arn}`, $metadata: {} });
  }

  private async issue(input: IssueCertificateCommandInput) {
    this.checkCa(input.CertificateAuthorityArn);
    this.requests.push(input);
    if (this.issueFailure) throw this.issueFailure;
    const csr = new x509.Pkcs10CertificateRequest(new TextDecoder().decode(input.Csr));
    if (!(await csr.verify())) throw new Error('fake Private CA: the CSR signature does not verify');
    if (input.Validity?.Type !== 'ABSOLUTE') throw new Error('fake Private CA: only ABSOLUTE validity is modelled');
    const uris = (input.ApiPassthrough?.Extensions?.SubjectAlternativeNames ?? []).flatMap((n) =>
      n.UniformResourceIdentifier ? [{ type: 'url' as const, value: n.UniformResourceIdentifier }] : [],
    );
    // The APIPassthrough template takes SANs from the request; without the passthrough template it would drop them.
    const passthrough =
      !this.ignorePassthrough && input.TemplateArn?.endsWith('/EndEntityCertificate_APIPassthrough/V1');
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (++this.serial).toString(16).padStart(2, '0'),
      subject: csr.subject,
      issuer: this.ca.cert.subject,
      notBefore: new Date(this.now().getTime() - 3_600_000),
      notAfter: new Date(Number(input.Validity.Value) * 1000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: csr.publicKey,
      signingKey: this.ca.key.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        ...(passthrough && uris.length ? [new x509.SubjectAlternativeNameExtension(uris)] : []),
      ],
    });
    const arn = `${CA_ARN}/certificate/${this.serial.toString(16).padStart(32, '0')}`;
    this.certificates.set(arn, { pem: cert.toString('pem'), polls: 0 });
    return { CertificateArn: arn };
  }
}
