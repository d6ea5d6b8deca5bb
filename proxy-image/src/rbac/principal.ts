/**
 * Envoy's `config.rbac.v3.Principal`: who is calling. In the mesh that is the peer's verified
 * SPIFFE ID (`authenticated.principal_name`); addresses and headers are also supported, combined
 * with and/or/not. A plaintext caller has no authenticated identity and matches no
 * `authenticated` rule.
 */
import type { Fields } from '../config/fields';
import { parseStringMatcher } from '../router/string-matcher';
import { type Matcher, parseCidrSet, parseHeaderRule, parseSet, parseUrlPath } from './permission';

const KINDS = [
  'and_ids',
  'or_ids',
  'any',
  'authenticated',
  'source_ip',
  'direct_remote_ip',
  'remote_ip',
  'header',
  'url_path',
  'not_id',
  'metadata',
  'filter_state',
  'custom',
  'source_cluster',
] as const;

export function parsePrincipal(f: Fields): Matcher {
  const kind = f.oneOf(KINDS);
  let m: Matcher;
  switch (kind) {
    case 'and_ids':
    case 'or_ids':
      m = parseSet(f, kind, 'ids', parsePrincipal);
      break;
    case 'any':
      if (!f.bool('any')) f.fail('any', 'must be true');
      m = () => true;
      break;
    case 'authenticated': {
      const a = f.object('authenticated')!;
      const pn = a.object('principal_name');
      const name = pn ? parseStringMatcher(pn) : undefined;
      a.done();
      // Without principal_name: any peer that presented a verified certificate.
      m = (r) => r.peer?.principal !== undefined && (!name || name(r.peer.principal));
      break;
    }
    case 'source_ip':
    case 'direct_remote_ip': {
      const set = parseCidrSet(f.object(kind)!);
      m = (r) => set.has(r.directRemoteIp);
      break;
    }
    case 'remote_ip': {
      const set = parseCidrSet(f.object('remote_ip')!);
      m = (r) => set.has(r.remoteIp);
      break;
    }
    case 'header':
      m = parseHeaderRule(f.object('header')!);
      break;
    case 'url_path':
      m = parseUrlPath(f.object('url_path')!);
      break;
    case 'not_id': {
      const inner = parsePrincipal(f.object('not_id')!);
      m = (r) => !inner(r);
      break;
    }
    case undefined:
      return f.fail('', 'a principal needs one rule (any, authenticated, and_ids, or_ids, source_ip, header…)');
    default:
      return f.fail(kind, 'is not supported in RBAC principals here');
  }
  f.done();
  return m;
}
