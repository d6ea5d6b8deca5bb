/**
 * Envoy's `RouteAction.HashPolicy`: the key RING_HASH balancing hashes, from a header, a
 * cookie, a query parameter or the source IP. Policies are tried in order; hashes combine,
 * and a `terminal` policy that produced a hash stops the walk, as in Envoy.
 */
import type { Fields } from '../config/fields';
import { headerValue, type RequestHeaders } from '../http/header-map';
import { parseQuery } from './query-parameter-matcher';

type KeySource = (req: RequestHeaders, sourceIp: string) => string | undefined;

interface Policy {
  readonly key: KeySource;
  readonly terminal: boolean;
}

export interface HashPolicy {
  hash(req: RequestHeaders, sourceIp: string): number | undefined;
}

/** 32-bit FNV-1a: cheap, and spreads short keys well enough for a hash ring. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche (murmur3 fmix32) so neighbouring keys land far apart on the ring.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

function cookie(headers: RequestHeaders['headers'], name: string): string | undefined {
  const raw = headerValue(headers, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(/[;,]/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function parsePolicy(f: Fields): Policy | undefined {
  const terminal = f.bool('terminal');
  const kind = f.oneOf(['header', 'cookie', 'connection_properties', 'query_parameter', 'filter_state'] as const);
  let key: KeySource | undefined;
  if (kind === 'header') {
    const h = f.object('header')!;
    const name = h.requiredString('header_name').toLowerCase();
    h.done(['regex_rewrite']);
    key = (req) =>
      name === ':authority' ? req.authority : name === ':path' ? req.path : headerValue(req.headers, name);
  } else if (kind === 'cookie') {
    const c = f.object('cookie')!;
    const name = c.requiredString('name');
    // Envoy generates the cookie when `ttl` is set; this proxy only reads an existing cookie.
    c.done();
    key = (req) => cookie(req.headers, name);
  } else if (kind === 'connection_properties') {
    const c = f.object('connection_properties')!;
    const sourceIp = c.bool('source_ip');
    c.done();
    if (sourceIp) key = (_req, ip) => ip;
  } else if (kind === 'query_parameter') {
    const q = f.object('query_parameter')!;
    const name = q.requiredString('name');
    q.done();
    key = (req) => parseQuery(req.path).get(name);
  }
  f.done();
  return key ? { key, terminal } : undefined;
}

export function parseHashPolicies(list: Fields[]): HashPolicy | undefined {
  const policies = list.map(parsePolicy).filter((p): p is Policy => p !== undefined);
  if (policies.length === 0) return undefined;
  return {
    hash(req, sourceIp) {
      let h: number | undefined;
      for (const p of policies) {
        const k = p.key(req, sourceIp);
        if (k === undefined) continue;
        const v = hashString(k);
        h = h === undefined ? v : (((h << 1) | (h >>> 31)) ^ v) >>> 0;
        if (p.terminal) break;
      }
      return h;
    },
  };
}
