/**
 * Peer identity checks: Envoy's `match_typed_subject_alt_names` (a SAN type and a string
 * matcher) and the older `match_subject_alt_names` (any SAN type). A mesh identity is a URI SAN
 * (`spiffe://<trust domain>/<service>/<version>`); a peer passes when any of its SANs matches
 * any matcher, and every peer passes when no matcher is configured.
 */
import type { PeerCertificate } from 'node:tls';
import type { Fields } from '../config/fields';
import { parseStringMatcher, type StringMatcher } from '../router/string-matcher';

export type SanType = 'URI' | 'DNS' | 'EMAIL' | 'IP_ADDRESS' | 'ANY';

export interface SanMatcher {
  readonly type: SanType;
  readonly match: StringMatcher;
}

export interface PeerSans {
  readonly URI: readonly string[];
  readonly DNS: readonly string[];
  readonly EMAIL: readonly string[];
  readonly IP_ADDRESS: readonly string[];
}

export function parseSanMatchers(f: Fields): SanMatcher[] {
  const typed = f.array('match_typed_subject_alt_names').map((m) => {
    const type = m.enumOf('san_type', ['URI', 'DNS', 'EMAIL', 'IP_ADDRESS', 'OTHER_NAME'] as const, 'URI');
    if (type === 'OTHER_NAME') m.fail('san_type', 'OTHER_NAME is not supported');
    const mf = m.object('matcher') ?? m.fail('matcher', 'is required');
    const out = { type: type as SanType, match: parseStringMatcher(mf) };
    m.done(['oid']);
    return out;
  });
  const legacy = f
    .array('match_subject_alt_names')
    .map((m) => ({ type: 'ANY' as const, match: parseStringMatcher(m) }));
  return [...typed, ...legacy];
}

/** Splits Node's `subjectaltname` text (`URI:spiffe://a/b, DNS:x`) by type. */
export function peerSans(cert: PeerCertificate | undefined): PeerSans {
  const out = { URI: [] as string[], DNS: [] as string[], EMAIL: [] as string[], IP_ADDRESS: [] as string[] };
  const text = cert?.subjectaltname;
  if (!text) return out;
  // Values may be quoted JSON strings when they contain commas (Node's escaping).
  const re = /(URI|DNS|email|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2].trim();
    if (m[1] === 'URI') out.URI.push(value);
    else if (m[1] === 'DNS') out.DNS.push(value);
    else if (m[1] === 'email') out.EMAIL.push(value);
    else out.IP_ADDRESS.push(value);
  }
  return out;
}

export function sansMatch(matchers: readonly SanMatcher[], sans: PeerSans): boolean {
  if (matchers.length === 0) return true;
  for (const m of matchers) {
    const values = m.type === 'ANY' ? [...sans.URI, ...sans.DNS, ...sans.EMAIL, ...sans.IP_ADDRESS] : sans[m.type];
    if (values.some((v) => m.match(v))) return true;
  }
  return false;
}

/** Envoy's principal for RBAC `authenticated.principal_name`: the first URI SAN, else DNS SAN, else subject. */
export function principalOf(cert: PeerCertificate | undefined, sans: PeerSans): string | undefined {
  if (!cert?.raw) return undefined;
  if (sans.URI.length) return sans.URI[0];
  if (sans.DNS.length) return sans.DNS[0];
  const s = cert.subject as unknown as Record<string, string> | undefined;
  return s
    ? Object.entries(s)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : undefined;
}
