/**
 * Loads a secret's files and reloads them when they change (Envoy's `watched_directory`, or the
 * files' own directories when none is given). Writers rotate by writing new files and renaming
 * them into place; a reload that reads a half-rotated state (key does not match the chain) is
 * refused and the last good material kept until the next change completes the rotation.
 */
import { X509Certificate } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import { log } from '../log';
import type { Counter } from '../stats/metric';
import type { DataSource, TlsCertificateConfig, ValidationContextConfig } from './secret';
import type { SecretMaterial, SecretProvider } from './secret-provider';

/** Wait after a change event so a writer's burst of renames is read as one change. */
const SETTLE_MS = 50;
/** Also re-read on a timer, in case a file system does not report changes (some overlays). */
const POLL_MS = 5000;

export interface SecretStats {
  readonly updateSuccess: Counter;
  readonly rotationFailed: Counter;
}

function read(ds: DataSource, what: string): Buffer {
  if (ds.kind === 'inline') return ds.value;
  try {
    return readFileSync(ds.path);
  } catch (e) {
    throw new Error(`${what} ${ds.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Reads and checks a secret's material; throws with the file and the reason. */
export function loadMaterial(config: TlsCertificateConfig | ValidationContextConfig): SecretMaterial {
  if (config.kind === 'tls_certificate') {
    const cert = read(config.chain, 'certificate_chain');
    const key = read(config.key, 'private_key');
    try {
      new X509Certificate(cert);
      // Throws when the key does not belong to the certificate.
      createSecureContext({ cert, key });
    } catch (e) {
      throw new Error(`certificate_chain/private_key: ${(e as Error).message}`);
    }
    return { kind: 'tls_certificate', cert, key };
  }
  const ca = config.trustedCa ? read(config.trustedCa, 'trusted_ca') : undefined;
  if (ca) {
    try {
      new X509Certificate(ca);
    } catch (e) {
      throw new Error(`trusted_ca: ${(e as Error).message}`);
    }
  }
  return { kind: 'validation_context', ca, sanMatchers: config.sanMatchers };
}

function fingerprint(m: SecretMaterial): string {
  return m.kind === 'tls_certificate'
    ? `${m.cert.toString('base64')}|${m.key.toString('base64')}`
    : (m.ca?.toString('base64') ?? '');
}

export class FileSecret {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    private readonly config: TlsCertificateConfig | ValidationContextConfig,
    private readonly provider: SecretProvider,
    private readonly stats: SecretStats | undefined,
  ) {
    // The first load must work: a secret that cannot be read at all is a config error.
    const m = loadMaterial(config);
    this.last = fingerprint(m);
    provider.set(m);
    const files = (config.kind === 'tls_certificate' ? [config.chain, config.key] : [config.trustedCa]).filter(
      (d): d is DataSource & { kind: 'file' } => d?.kind === 'file',
    );
    if (files.length === 0) return;
    const dirs = new Set(config.watchedDirectory ? [config.watchedDirectory] : files.map((f) => dirname(f.path)));
    for (const d of dirs) {
      try {
        const w = watch(d, { persistent: false }, () => this.changed());
        w.on('error', () => {});
        this.watchers.push(w);
      } catch (e) {
        log.warn(`secret ${provider.name}: cannot watch ${d}: ${(e as Error).message}; polling`);
      }
    }
    this.poll = setInterval(() => this.reload(), POLL_MS);
    this.poll.unref();
  }

  private changed(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), SETTLE_MS);
    this.timer.unref();
  }

  private reload(): void {
    let m: SecretMaterial;
    try {
      m = loadMaterial(this.config);
    } catch (e) {
      this.stats?.rotationFailed.inc();
      log.warn(`secret ${this.provider.name}: reload failed, keeping the last good one: ${(e as Error).message}`);
      return;
    }
    const fp = fingerprint(m);
    if (fp === this.last) return;
    this.last = fp;
    this.stats?.updateSuccess.inc();
    log.info(`secret ${this.provider.name}: reloaded`);
    this.provider.set(m);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
    for (const w of this.watchers) w.close();
  }
}
