/**
 * Checks the peer of a finished handshake: a certificate was presented (when required), it
 * chains to the trusted CA and is within its validity (OpenSSL did that: `authorized`), and one
 * of its SANs matches what this side expects (the caller's or the target's SPIFFE ID).
 */
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { verifyChain } from './chain-verifier';
import { type PeerSans, peerSans, principalOf, type SanMatcher, sansMatch } from './san-matcher';
import type { SslStats } from './ssl-stats';

export interface PeerIdentity {
  /** RBAC's `authenticated.principal_name`: the URI SAN (SPIFFE ID), when a certificate was presented. */
  readonly principal: string | undefined;
  readonly sans: PeerSans;
  readonly protocol: string;
  readonly alpn: string | false;
}

export type VerifyResult =
  | { readonly ok: true; readonly peer: PeerIdentity }
  | { readonly ok: false; readonly reason: string };

export function verifyPeer(
  sock: TLSSocket,
  opts: {
    readonly validate: boolean;
    readonly requireCert: boolean;
    readonly sanMatchers: readonly SanMatcher[];
    readonly anchors: readonly X509Certificate[];
  },
  stats: SslStats,
): VerifyResult {
  const cert = sock.getPeerCertificate(true);
  const presented = cert !== null && cert !== undefined && Object.keys(cert).length > 0;
  const sans = peerSans(presented ? cert : undefined);
  if (!presented) {
    stats.no_certificate.inc();
    if (opts.requireCert) {
      stats.fail_verify_no_cert.inc();
      return { ok: false, reason: 'peer did not present a certificate' };
    }
  } else if (opts.validate) {
    // OpenSSL's verdict when it gave one (client side), else our own chain check (server side).
    const error = sock.authorized
      ? undefined
      : sock.authorizationError
        ? String(sock.authorizationError)
        : verifyChain(cert, opts.anchors);
    if (error) {
      stats.fail_verify_error.inc();
      return { ok: false, reason: `certificate verify failed: ${error}` };
    }
    if (!sansMatch(opts.sanMatchers, sans)) {
      stats.fail_verify_san.inc();
      return { ok: false, reason: `SAN mismatch: peer is ${sans.URI.join(',') || sans.DNS.join(',') || 'unnamed'}` };
    }
  }
  return {
    ok: true,
    peer: {
      principal: presented ? principalOf(cert, sans) : undefined,
      sans,
      protocol: sock.getProtocol() ?? '',
      alpn: sock.alpnProtocol ?? false,
    },
  };
}
