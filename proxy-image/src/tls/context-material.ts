/**
 * Resolves a TLS context's secrets into a Node SecureContext, rebuilt only when a secret's
 * version changed, so the current certificate and CA are used by each new connection.
 */
import type { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { parseBundle } from './chain-verifier';
import type { FileSecret } from './file-secret';
import type { SanMatcher } from './san-matcher';
import { secretManager } from './secret-manager';
import type { CertificateMaterial, SecretProvider, ValidationMaterial } from './secret-provider';
import type { CommonTlsConfig } from './tls-context';

const INITIAL_FETCH_TIMEOUT_MS = 15_000;

export interface Current {
  readonly key: string;
  readonly ctx: SecureContext;
  readonly sans: readonly SanMatcher[];
  readonly anchors: readonly X509Certificate[];
}

export class ContextMaterial {
  private readonly cert: SecretProvider | undefined;
  private readonly validation: SecretProvider | undefined;
  private cached: Current | undefined;

  private readonly owned: FileSecret[] = [];

  constructor(readonly config: CommonTlsConfig) {
    this.cert = config.certificate ? secretManager.provider(config.certificate, this.owned) : undefined;
    this.validation = config.validation ? secretManager.provider(config.validation, this.owned) : undefined;
  }

  /** The context is gone (its chain or cluster was replaced): stop watching inline files. */
  stop(): void {
    for (const l of this.owned) l.stop();
  }

  /**
   * Resolves when every secret has arrived, or after Envoy's initial fetch timeout (15 s): the
   * listener or cluster then starts and refuses TLS connections until its secrets arrive.
   */
  get ready(): Promise<void> {
    const all = Promise.all([this.cert?.ready, this.validation?.ready]).then(() => undefined);
    return Promise.race([all, new Promise<void>((r) => setTimeout(r, INITIAL_FETCH_TIMEOUT_MS).unref())]);
  }

  get validates(): boolean {
    return this.validation !== undefined;
  }

  /** The current context and SAN matchers; undefined while an SDS secret is still missing. */
  current(): Current | undefined {
    const key = `${this.cert?.version ?? '-'}:${this.validation?.version ?? '-'}`;
    if (this.cached?.key === key) return this.cached;
    const cert = this.cert?.current as CertificateMaterial | undefined;
    const val = this.validation?.current as ValidationMaterial | undefined;
    if ((this.cert && !cert) || (this.validation && !val)) return undefined;
    const c = this.config;
    const ctx = createSecureContext({
      cert: cert?.cert,
      key: cert?.key,
      ca: val?.ca,
      minVersion: c.minVersion,
      maxVersion: c.maxVersion,
      ciphers: c.ciphers,
      ecdhCurve: c.ecdhCurves,
    });
    this.cached = {
      key,
      ctx,
      sans: [...(val?.sanMatchers ?? []), ...c.extraSanMatchers],
      anchors: parseBundle(val?.ca),
    };
    return this.cached;
  }
}
