/**
 * Verifies a peer's certificate chain against trust anchors with node:crypto's X509Certificate:
 * validity period, then each signature up to an anchor. Used on the server side, where a
 * TLSSocket built around an accepted connection (not by tls.Server) does not report
 * `authorized`; the client side gets OpenSSL's verdict directly.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';

const MAX_DEPTH = 8;

/** Every certificate of a PEM bundle. */
export function parseBundle(pem: Buffer | undefined): X509Certificate[] {
  if (!pem) return [];
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

function validityError(c: X509Certificate, now: number): string | undefined {
  if (now < Date.parse(c.validFrom)) return 'CERT_NOT_YET_VALID';
  if (now > Date.parse(c.validTo)) return 'CERT_HAS_EXPIRED';
  return undefined;
}

/** undefined when the chain verifies; otherwise OpenSSL's name for the failure. */
export function verifyChain(peer: DetailedPeerCertificate, anchors: readonly X509Certificate[]): string | undefined {
  const now = Date.now();
  const presented: X509Certificate[] = [];
  let p: DetailedPeerCertificate | undefined = peer;
  for (let i = 0; p?.raw && i < MAX_DEPTH; i++) {
    presented.push(new X509Certificate(p.raw));
    if (p.issuerCertificate === p) break;
    p = p.issuerCertificate;
  }
  let current = presented[0];
  if (!current) return 'NO_PEER_CERTIFICATE';
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const bad = validityError(current, now);
    if (bad) return bad;
    const anchor = anchors.find((a) => current.checkIssued(a) && current.verify(a.publicKey));
    if (anchor) return validityError(anchor, now);
    const next = presented.find((c) => c !== current && c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) return depth === 0 ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : 'UNABLE_TO_GET_ISSUER_CERT';
    current = next;
  }
  return 'CERT_CHAIN_TOO_LONG';
}
