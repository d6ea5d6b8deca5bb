/**
 * A test CA on top of lib/pki: identities for sidecars written into temp directories in the
 * layout proxies watch (cert.pem, key.pem, ca.pem through a `..data` symlink), plus the odd
 * certificates the security tests need (expired, from another CA).
 */
import { join } from 'node:path';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  IDENTITY_FILES,
  type IssuedCertificate,
  issueCertificate,
  writeIdentityDirectory,
} from '../../lib/pki';
import { tempDir } from './temp-dir';

export interface TestIdentity {
  readonly dir: string;
  readonly spiffeId: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly issued: IssuedCertificate;
}

export class TestPki {
  private constructor(readonly ca: CertificateAuthority) {}

  static async create(trustDomain = 'bank.example'): Promise<TestPki> {
    return new TestPki(await createCertificateAuthority({ trustDomain }));
  }

  get trustDomain(): string {
    return this.ca.trustDomain;
  }

  spiffeId(service: string, version = 'v1'): string {
    return `spiffe://${this.ca.trustDomain}/${service}/${version}`;
  }

  issue(spiffeId: string, opts: { validityMs?: number; notBefore?: Date } = {}): Promise<IssuedCertificate> {
    return issueCertificate(this.ca, { spiffeId, ...opts });
  }

  /** Issues a certificate for `service/version` into a (new or given) directory. */
  async identity(service: string, version = 'v1', dir = tempDir('trellis-identity-')): Promise<TestIdentity> {
    const spiffeId = this.spiffeId(service, version);
    const issued = await this.issue(spiffeId);
    writeIdentityDirectory(dir, { certPem: issued.certPem, keyPem: issued.keyPem, caPem: this.ca.certPem });
    return {
      dir,
      spiffeId,
      cert: join(dir, IDENTITY_FILES.cert),
      key: join(dir, IDENTITY_FILES.key),
      ca: join(dir, IDENTITY_FILES.ca),
      issued,
    };
  }

  /** A certificate whose validity ended an hour ago. */
  expired(spiffeId: string): Promise<IssuedCertificate> {
    return this.issue(spiffeId, { notBefore: new Date(Date.now() - 3 * 3_600_000), validityMs: 3_600_000 });
  }
}

/** Envoy `static_resources.secrets` for an identity directory (names as the compiler emits them). */
export function identitySecrets(id: TestIdentity): unknown[] {
  return [
    {
      name: 'identity',
      tls_certificate: {
        certificate_chain: { filename: id.cert },
        private_key: { filename: id.key },
        watched_directory: { path: id.dir },
      },
    },
    {
      name: 'trust-bundle',
      validation_context: { trusted_ca: { filename: id.ca }, watched_directory: { path: id.dir } },
    },
  ];
}

/** A `common_tls_context` using the `identity` and `trust-bundle` secrets and SAN matchers. */
export function commonTlsContext(
  sans: ReadonlyArray<{ exact?: string; prefix?: string }>,
  alpn: readonly string[],
): Record<string, unknown> {
  return {
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
    tls_certificate_sds_secret_configs: [{ name: 'identity' }],
    combined_validation_context: {
      default_validation_context: {
        match_typed_subject_alt_names: sans.map((m) => ({ san_type: 'URI', matcher: m })),
      },
      validation_context_sds_secret_config: { name: 'trust-bundle' },
    },
    alpn_protocols: alpn,
  };
}

export const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
