/**
 * One secret's current material (Envoy's SecretProvider): a certificate and key, or a trusted CA
 * with SAN matchers. Consumers read `current` when they build a TLS context for a new
 * connection, so a rotation takes effect for new connections while open ones carry on.
 * `version` increases with every change, so contexts are rebuilt only when something changed.
 */
import type { SanMatcher } from './san-matcher';

export interface CertificateMaterial {
  readonly kind: 'tls_certificate';
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface ValidationMaterial {
  readonly kind: 'validation_context';
  readonly ca: Buffer | undefined;
  readonly sanMatchers: readonly SanMatcher[];
}

export type SecretMaterial = CertificateMaterial | ValidationMaterial;

export class SecretProvider<T extends SecretMaterial = SecretMaterial> {
  private value: T | undefined;
  version = 0;
  private readonly listeners = new Set<() => void>();
  private resolveReady!: () => void;
  /** Resolves when the first material arrived. */
  readonly ready = new Promise<void>((resolve) => {
    this.resolveReady = resolve;
  });

  constructor(readonly name: string) {}

  get current(): T | undefined {
    return this.value;
  }

  set(value: T): void {
    this.value = value;
    this.version++;
    this.resolveReady();
    for (const l of this.listeners) l();
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}
