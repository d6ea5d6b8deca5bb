/**
 * Envoy's `DownstreamTlsContext` / `UpstreamTlsContext` (transport socket
 * `envoy.transport_sockets.tls`): which certificate to present, how to validate the peer
 * (trusted CA and SAN matchers, inline or from SDS secrets, merged as Envoy's
 * `combined_validation_context` does), protocol versions and ALPN. TLS 1.2 is the floor and
 * 1.3 the ceiling by default, as Envoy's.
 */
import { type ConfigSourceSpec, parseConfigSource } from '../config/config-source';
import type { Fields } from '../config/fields';
import type { SanMatcher } from './san-matcher';
import {
  parseTlsCertificate,
  parseValidationContext,
  type TlsCertificateConfig,
  type ValidationContextConfig,
} from './secret';

/** A secret given inline, or named: from static_resources.secrets (no source) or SDS. */
export type SecretRef<T> =
  | { readonly kind: 'inline'; readonly secret: T }
  | { readonly kind: 'sds'; readonly name: string; readonly source: ConfigSourceSpec | undefined };

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface CommonTlsConfig {
  readonly certificate: SecretRef<TlsCertificateConfig> | undefined;
  readonly validation: SecretRef<ValidationContextConfig> | undefined;
  /** SAN matchers from `default_validation_context`, applied on top of the validation secret's. */
  readonly extraSanMatchers: readonly SanMatcher[];
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  readonly alpn: readonly string[];
  readonly ciphers: string | undefined;
  readonly ecdhCurves: string | undefined;
}

export interface DownstreamTlsConfig {
  readonly side: 'downstream';
  readonly common: CommonTlsConfig;
  readonly requireClientCertificate: boolean;
  readonly handshakeTimeoutMs: number;
}

export interface UpstreamTlsConfig {
  readonly side: 'upstream';
  readonly common: CommonTlsConfig;
  readonly sni: string | undefined;
}

const TLS_TYPE = 'envoy.transport_sockets.tls';
const DOWNSTREAM = 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const UPSTREAM = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

function version(f: Fields, name: string, def: TlsVersion): TlsVersion {
  const v = f.enumOf(name, ['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'] as const, 'TLS_AUTO');
  if (v === 'TLS_AUTO') return def;
  if (v === 'TLSv1_0' || v === 'TLSv1_1') f.fail(name, `${v} is not supported (TLS 1.2 is the minimum)`);
  return v === 'TLSv1_2' ? 'TLSv1.2' : 'TLSv1.3';
}

function sdsRef<T>(f: Fields): SecretRef<T> {
  const name = f.requiredString('name');
  const cs = f.object('sds_config');
  const source = cs ? parseConfigSource(cs) : undefined;
  f.done();
  return { kind: 'sds', name, source };
}

function parseCommon(f: Fields | undefined): CommonTlsConfig {
  let certificate: CommonTlsConfig['certificate'];
  let validation: CommonTlsConfig['validation'];
  let extraSanMatchers: readonly SanMatcher[] = [];
  let minVersion: TlsVersion = 'TLSv1.2';
  let maxVersion: TlsVersion = 'TLSv1.3';
  let ciphers: string | undefined;
  let ecdhCurves: string | undefined;
  let alpn: string[] = [];
  if (f) {
    const p = f.object('tls_params');
    if (p) {
      minVersion = version(p, 'tls_minimum_protocol_version', 'TLSv1.2');
      maxVersion = version(p, 'tls_maximum_protocol_version', 'TLSv1.3');
      const cs = p.stringArray('cipher_suites');
      ciphers = cs.length ? cs.join(':') : undefined;
      const curves = p.stringArray('ecdh_curves');
      ecdhCurves = curves.length ? curves.join(':') : undefined;
      p.done(['signature_algorithms', 'compliance_policies']);
      if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') {
        p.fail('tls_minimum_protocol_version', 'is above tls_maximum_protocol_version');
      }
    }
    const certs = f.array('tls_certificates');
    const sdsCerts = f.array('tls_certificate_sds_secret_configs');
    if (certs.length + sdsCerts.length > 1) {
      f.fail('tls_certificates', 'one certificate per context is supported');
    }
    if (certs.length) certificate = { kind: 'inline', secret: parseTlsCertificate(certs[0]) };
    else if (sdsCerts.length) certificate = sdsRef(sdsCerts[0]);
    const vc = f.object('validation_context');
    const vsds = f.object('validation_context_sds_secret_config');
    const combined = f.object('combined_validation_context');
    if (vc) validation = { kind: 'inline', secret: parseValidationContext(vc) };
    else if (vsds) validation = sdsRef(vsds);
    else if (combined) {
      const def = combined.object('default_validation_context');
      const dv = def ? parseValidationContext(def) : undefined;
      extraSanMatchers = dv?.sanMatchers ?? [];
      const s = combined.object('validation_context_sds_secret_config');
      if (s) validation = sdsRef(s);
      else if (dv) validation = { kind: 'inline', secret: dv };
      combined.done(['validation_context_certificate_provider', 'validation_context_certificate_provider_instance']);
    }
    alpn = f.stringArray('alpn_protocols');
    f.accept('key_log');
    f.done([
      'tls_certificate_provider_instance',
      'tls_certificate_certificate_provider',
      'tls_certificate_certificate_provider_instance',
      'validation_context_certificate_provider',
      'validation_context_certificate_provider_instance',
      'custom_handshaker',
      'custom_tls_certificate_selector',
    ]);
  }
  return { certificate, validation, extraSanMatchers, minVersion, maxVersion, alpn, ciphers, ecdhCurves };
}

function typedConfig(ts: Fields): { type: string; tc: Fields | undefined } {
  const tc = ts.object('typed_config');
  const type = tc ? String(tc.raw['@type'] ?? '').replace(/^.*\//, '') : '';
  return { type, tc };
}

/** Whether a `transport_socket` is plaintext (absent or raw_buffer). */
function isRawBuffer(name: string, type: string): boolean {
  return name === 'envoy.transport_sockets.raw_buffer' || type.endsWith('.RawBuffer') || (!name && !type);
}

/** A listener filter chain's `transport_socket`: TLS, or undefined for plaintext. */
export function parseDownstreamTransportSocket(
  ts: Fields,
  handshakeTimeoutMs: number,
): DownstreamTlsConfig | undefined {
  const name = ts.string('name', '') ?? '';
  const { type, tc } = typedConfig(ts);
  ts.done();
  if (isRawBuffer(name, type)) {
    tc?.accept(...Object.keys(tc.raw));
    return undefined;
  }
  if (type !== DOWNSTREAM || !tc) {
    return ts.fail('typed_config', `${name || type} is not supported (${TLS_TYPE} with a DownstreamTlsContext)`);
  }
  const common = parseCommon(tc.object('common_tls_context'));
  const requireClientCertificate = tc.bool('require_client_certificate');
  if (!common.certificate) tc.fail('common_tls_context', 'a listener needs a certificate to present');
  if (requireClientCertificate && !common.validation) {
    tc.fail('require_client_certificate', 'needs a validation context (trusted CA) to check client certificates');
  }
  const timeout = tc.duration('session_timeout');
  void timeout;
  tc.accept('require_sni', 'disable_stateless_session_resumption', 'disable_stateful_session_resumption');
  tc.done([
    'session_ticket_keys',
    'session_ticket_keys_sds_secret_config',
    'ocsp_staple_policy',
    'full_scan_certs_on_sni_mismatch',
    'prefer_client_ciphers',
  ]);
  return { side: 'downstream', common, requireClientCertificate, handshakeTimeoutMs };
}

/** A cluster's `transport_socket`: TLS, or undefined for plaintext. */
export function parseUpstreamTransportSocket(ts: Fields): UpstreamTlsConfig | undefined {
  const name = ts.string('name', '') ?? '';
  const { type, tc } = typedConfig(ts);
  ts.done();
  if (isRawBuffer(name, type)) {
    tc?.accept(...Object.keys(tc.raw));
    return undefined;
  }
  if (type !== UPSTREAM || !tc) {
    return ts.fail('typed_config', `${name || type} is not supported (${TLS_TYPE} with an UpstreamTlsContext)`);
  }
  const common = parseCommon(tc.object('common_tls_context'));
  const sni = tc.string('sni');
  tc.accept(
    'allow_renegotiation',
    'max_session_keys',
    'enforce_rsa_key_usage',
    'auto_host_sni',
    'auto_sni_san_validation',
  );
  tc.done();
  return { side: 'upstream', common, sni };
}
