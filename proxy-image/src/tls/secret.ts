/**
 * Envoy's `extensions.transport_sockets.tls.v3.Secret` and its two kinds the mesh uses: a
 * `tls_certificate` (chain + private key) and a `validation_context` (trusted CA + SAN
 * matchers). Material comes inline or from files; `watched_directory` names the directory whose
 * changes (an atomic rename, as Kubernetes and `trellis up` write them) trigger a reload.
 */
import type { Fields } from '../config/fields';
import { parseSanMatchers, type SanMatcher } from './san-matcher';

export type DataSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'inline'; readonly value: Buffer };

export interface TlsCertificateConfig {
  readonly kind: 'tls_certificate';
  readonly chain: DataSource;
  readonly key: DataSource;
  readonly watchedDirectory: string | undefined;
}

export interface ValidationContextConfig {
  readonly kind: 'validation_context';
  readonly trustedCa: DataSource | undefined;
  readonly sanMatchers: readonly SanMatcher[];
  readonly watchedDirectory: string | undefined;
}

export type SecretConfig = (TlsCertificateConfig | ValidationContextConfig) & { readonly name: string };

export function parseDataSource(f: Fields): DataSource {
  const kind = f.oneOf(['filename', 'inline_string', 'inline_bytes', 'environment_variable'] as const);
  let out: DataSource;
  if (kind === 'filename') out = { kind: 'file', path: f.requiredString('filename') };
  else if (kind === 'inline_string') out = { kind: 'inline', value: Buffer.from(f.requiredString('inline_string')) };
  else if (kind === 'inline_bytes') {
    out = { kind: 'inline', value: Buffer.from(f.requiredString('inline_bytes'), 'base64') };
  } else if (kind === 'environment_variable') {
    const name = f.requiredString('environment_variable');
    const v = process.env[name];
    if (v === undefined) f.fail('environment_variable', `environment variable ${name} is not set`);
    out = { kind: 'inline', value: Buffer.from(v) };
  } else f.fail('', 'one of filename, inline_string, inline_bytes or environment_variable is required');
  f.accept('watched_directory');
  f.done();
  return out;
}

function watched(f: Fields): string | undefined {
  const w = f.object('watched_directory');
  const path = w?.requiredString('path');
  w?.done();
  return path;
}

export function parseTlsCertificate(f: Fields): TlsCertificateConfig {
  const c = f.object('certificate_chain') ?? f.fail('certificate_chain', 'is required');
  const k = f.object('private_key') ?? f.fail('private_key', 'is required');
  const out: TlsCertificateConfig = {
    kind: 'tls_certificate',
    chain: parseDataSource(c),
    key: parseDataSource(k),
    watchedDirectory: watched(f),
  };
  if (f.has('password')) f.fail('password', 'encrypted private keys are not supported');
  f.done(['private_key_provider', 'pkcs12', 'ocsp_staple', 'signed_certificate_timestamp']);
  return out;
}

export function parseValidationContext(f: Fields): ValidationContextConfig {
  const ca = f.object('trusted_ca');
  const out: ValidationContextConfig = {
    kind: 'validation_context',
    trustedCa: ca ? parseDataSource(ca) : undefined,
    sanMatchers: parseSanMatchers(f),
    watchedDirectory: watched(f),
  };
  const tcv = f.string('trust_chain_verification', 'VERIFY_TRUST_CHAIN');
  if (tcv !== 'VERIFY_TRUST_CHAIN') f.fail('trust_chain_verification', `${tcv} is not supported (a mesh verifies)`);
  f.accept('only_verify_leaf_cert_crl');
  f.done([
    'verify_certificate_spki',
    'verify_certificate_hash',
    'crl',
    'allow_expired_certificate',
    'custom_validator_config',
    'ca_certificate_provider_instance',
    'max_verify_depth',
    'system_root_certs',
  ]);
  return out;
}

export function parseSecret(f: Fields): SecretConfig {
  const name = f.requiredString('name');
  const kind = f.oneOf(['tls_certificate', 'validation_context', 'session_ticket_keys', 'generic_secret'] as const);
  if (kind === 'tls_certificate') {
    const s = parseTlsCertificate(f.object('tls_certificate')!);
    f.done();
    return { ...s, name };
  }
  if (kind === 'validation_context') {
    const s = parseValidationContext(f.object('validation_context')!);
    f.done();
    return { ...s, name };
  }
  if (kind) f.fail(kind, 'is not supported (only tls_certificate and validation_context)');
  return f.fail('', 'one of tls_certificate or validation_context is required');
}
