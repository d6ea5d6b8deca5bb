/**
 * Identities for a local mesh (`trellis up`): one CA per run, one directory per proxy with its
 * short-lived certificate (SPIFFE ID `spiffe://<trust domain>/<service>/<version>`), renewed at
 * two thirds of its lifetime and swapped in atomically, so proxies watching the directory
 * (`watched_directory`) rotate without dropping a request. In AWS, AWS Private CA and a
 * controller play this part.
 */
import { join } from 'node:path';
import { type CertificateAuthority, createCertificateAuthority, issueCertificate } from './certificate-authority';
import { writeIdentityDirectory } from './identity-directory';

export interface WorkloadIdentity {
  readonly proxy: string;
  readonly spiffeId: string;
  readonly dir: string;
  /** When the current certificate expires. */
  notAfter: Date;
}

export interface IssuerOptions {
  readonly trustDomain: string;
  /** Where each proxy's directory is created (`<rootDir>/<proxy with / as _>`). */
  readonly rootDir: string;
  /** @default 1 hour */
  readonly certificateValidityMs?: number;
}

export function identityDirectory(rootDir: string, proxy: string): string {
  return join(rootDir, proxy.replace(/[^A-Za-z0-9._-]/g, '_'));
}

export class LocalIdentityIssuer {
  private readonly identities = new Map<string, WorkloadIdentity>();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly ca: CertificateAuthority,
    private readonly o: IssuerOptions,
  ) {}

  static async create(o: IssuerOptions): Promise<LocalIdentityIssuer> {
    return new LocalIdentityIssuer(await createCertificateAuthority({ trustDomain: o.trustDomain }), o);
  }

  get validityMs(): number {
    return this.o.certificateValidityMs ?? 3_600_000;
  }

  /** Where `proxy`'s certificate, key and CA bundle are written (what its Secrets watch). */
  directory(proxy: string): string {
    return identityDirectory(this.o.rootDir, proxy);
  }

  /** Issues (or re-issues) `proxy`'s certificate into its directory. */
  async issue(proxy: string, spiffeId: string): Promise<WorkloadIdentity> {
    const dir = this.directory(proxy);
    const cert = await issueCertificate(this.ca, { spiffeId, validityMs: this.validityMs });
    writeIdentityDirectory(dir, { certPem: cert.certPem, keyPem: cert.keyPem, caPem: this.ca.certPem });
    const id = this.identities.get(proxy) ?? { proxy, spiffeId, dir, notAfter: cert.notAfter };
    id.notAfter = cert.notAfter;
    this.identities.set(proxy, id);
    return id;
  }

  /** Renews every identity at two thirds of its lifetime until stopped. */
  startRenewal(onError: (e: Error) => void = () => {}): void {
    const tick = async () => {
      const now = Date.now();
      for (const id of this.identities.values()) {
        if (id.notAfter.getTime() - now < this.validityMs / 3) {
          await this.issue(id.proxy, id.spiffeId).catch(onError);
        }
      }
    };
    this.timer = setInterval(() => void tick(), Math.max(250, Math.floor(this.validityMs / 12)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
