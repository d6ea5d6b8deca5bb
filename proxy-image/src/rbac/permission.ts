/**
 * Envoy's `config.rbac.v3.Permission`: what a request does (path, method and other headers,
 * destination port or address), combined with and/or/not. Unsupported kinds are config errors
 * rather than silently matching, so a policy never means less than it says.
 */
import type { Fields } from '../config/fields';
import { AddressSet, parseCidr } from '../http/internal-address';
import { parseHeaderMatcher } from '../router/header-matcher';
import { parseStringMatcher } from '../router/string-matcher';
import { pathOnly, pseudoHeader, type RbacRequest } from './rbac-request';

export type Matcher = (r: RbacRequest) => boolean;

export function parseCidrSet(f: Fields): AddressSet {
  const prefix = f.requiredString('address_prefix');
  const bits = f.number('prefix_len', prefix.includes(':') ? 128 : 32) ?? 32;
  f.done();
  const range = parseCidr(prefix, bits);
  if (!range) f.fail('address_prefix', `"${prefix}/${bits}" is not a valid CIDR range`);
  return new AddressSet([range]);
}

/** `url_path`: a PathMatcher `{ path: StringMatcher }` against the path without the query. */
export function parseUrlPath(f: Fields): Matcher {
  const p = f.object('path') ?? f.fail('path', 'is required');
  const m = parseStringMatcher(p);
  f.done();
  return (r) => (r.request ? m(pathOnly(r.request.path)) : false);
}

export function parseHeaderRule(f: Fields): Matcher {
  const h = parseHeaderMatcher(f);
  return (r) => (r.request ? h.matches(r.request.headers, pseudoHeader(r.request)) : false);
}

const KINDS = [
  'and_rules',
  'or_rules',
  'any',
  'header',
  'url_path',
  'destination_ip',
  'destination_port',
  'destination_port_range',
  'not_rule',
  'metadata',
  'requested_server_name',
  'matcher',
  'uri_template',
] as const;

/** `and_rules`/`or_rules` (`and_ids`/`or_ids` for principals): a set whose members all, or any, match. */
export function parseSet(f: Fields, key: string, listKey: string, parse: (f: Fields) => Matcher): Matcher {
  const set = f.object(key)!;
  const list = set.array(listKey).map(parse);
  set.done();
  return key.startsWith('and_') ? (r) => list.every((x) => x(r)) : (r) => list.some((x) => x(r));
}

export function parsePermission(f: Fields): Matcher {
  const kind = f.oneOf(KINDS);
  let m: Matcher;
  switch (kind) {
    case 'and_rules':
    case 'or_rules':
      m = parseSet(f, kind, 'rules', parsePermission);
      break;
    case 'any':
      if (!f.bool('any')) f.fail('any', 'must be true');
      m = () => true;
      break;
    case 'header':
      m = parseHeaderRule(f.object('header')!);
      break;
    case 'url_path':
      m = parseUrlPath(f.object('url_path')!);
      break;
    case 'destination_ip': {
      const set = parseCidrSet(f.object('destination_ip')!);
      m = (r) => set.has(r.localIp);
      break;
    }
    case 'destination_port': {
      const port = f.number('destination_port');
      m = (r) => r.localPort === port;
      break;
    }
    case 'destination_port_range': {
      const range = f.object('destination_port_range')!;
      const start = range.number('start', 0) ?? 0;
      const end = range.number('end', 0) ?? 0;
      range.done();
      m = (r) => r.localPort >= start && r.localPort < end;
      break;
    }
    case 'not_rule': {
      const inner = parsePermission(f.object('not_rule')!);
      m = (r) => !inner(r);
      break;
    }
    case undefined:
      return f.fail('', 'a permission needs one rule (and_rules, or_rules, any, header, url_path, destination_port…)');
    default:
      return f.fail(kind, 'is not supported in RBAC permissions here');
  }
  f.done();
  return m;
}
