/**
 * A gateway route in front of a service's routes, composed into Envoy routes. App Mesh
 * sends a request matched by a gateway route to the target service, whose own routes then
 * match the *rewritten* request; Envoy routes once, so each (gateway route, service route)
 * pair becomes Envoy routes whose match, on the original path, selects exactly the
 * requests that pair would have, and whose rewrite produces the same forwarded path.
 *
 * The gateway's default prefix rewrite follows App Mesh: the matched prefix becomes `/`,
 * and `/chapter/1` under prefix `/chapter` is forwarded as `/1`, not `//1`.
 */
import type { PathMatch } from '../model/match';
import type { GatewayRouteModel, HttpMatchModel, RouteModel } from '../model/model';
import type { Problem } from '../model/problem';
import { compileRe2 } from '../regex/re2';
import type { RouteOverrides } from './route';

type Json = Record<string, unknown>;

/** One way a pair can match: a path matcher, an optional `:path` condition, and the rewrite. */
export interface Composed {
  readonly path: PathMatch;
  readonly extraHeaders: readonly Json[];
  readonly rewrite: Pick<RouteOverrides, 'prefixRewrite' | 'regexRewrite' | 'pathRewrite'>;
}

export type Composition = { readonly alternatives: readonly Composed[] } | { readonly problem: Problem };

/** RE2-escapes a literal. */
export function re2Literal(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** A condition on the original request path (Envoy matches `:path` including the query). */
function pathCondition(p: PathMatch): Json {
  if (p.prefix !== undefined) return { name: ':path', string_match: { prefix: p.prefix } };
  const body = p.exact !== undefined ? re2Literal(p.exact) : `(?:${p.regex})`;
  return { name: ':path', string_match: { safe_regex: { regex: `${body}(?:\\?.*)?` } } };
}

function matches(p: PathMatch, path: string): boolean {
  if (p.prefix !== undefined) return path.startsWith(p.prefix);
  if (p.exact !== undefined) return path === p.exact;
  return compileRe2(p.regex!).test(path);
}

/**
 * How the gateway rewrites a path matched by `prefix` into one starting with `replacement`.
 * With `collapse`, a remainder starting with '/' loses it (the gateway's rewrite ended in '/').
 */
function prefixRewrite(prefix: string, replacement: string, collapse: boolean): Composed['rewrite'] {
  if (collapse) return { regexRewrite: { pattern: `^${re2Literal(prefix)}/?`, substitution: replacement } };
  return { prefixRewrite: replacement };
}

/** Both matchers on the same (unrewritten) path. */
function intersect(g: PathMatch, s: PathMatch, sRewrite: string | undefined): Composed[] {
  const plain = (path: PathMatch, rewrite: Composed['rewrite'] = {}): Composed[] => [
    { path, extraHeaders: [], rewrite },
  ];
  if (g.regex === undefined && s.regex === undefined) {
    if (g.prefix !== undefined && s.prefix !== undefined) {
      if (g.prefix.startsWith(s.prefix)) {
        // Envoy replaces the whole matched prefix; keep the part the service route did not match.
        return plain(g, sRewrite !== undefined ? { prefixRewrite: sRewrite + g.prefix.slice(s.prefix.length) } : {});
      }
      if (s.prefix.startsWith(g.prefix)) return plain(s, sRewrite !== undefined ? { prefixRewrite: sRewrite } : {});
      return [];
    }
    const exact = g.exact ?? s.exact!;
    const other = g.exact !== undefined ? s : g;
    if (!matches(other, exact)) return [];
    const rewritten =
      sRewrite !== undefined && s.prefix !== undefined ? sRewrite + exact.slice(s.prefix.length) : sRewrite;
    return plain({ exact }, rewritten !== undefined ? { pathRewrite: rewritten } : {});
  }
  const rewrite: Composed['rewrite'] =
    sRewrite !== undefined && s.prefix !== undefined
      ? { regexRewrite: { pattern: `^${re2Literal(s.prefix)}`, substitution: sRewrite } }
      : {};
  return [{ path: g, extraHeaders: [pathCondition(s)], rewrite }];
}

export function composePaths(g: GatewayRouteModel, s: RouteModel): Composition {
  const gp = g.match.path;
  const sp = s.match!.path;
  const sRewrite = s.rewrite?.prefix;

  if (g.pathRewrite !== undefined) {
    // The forwarded path is a constant: decide the service route now.
    if (!matches(sp, g.pathRewrite)) return { alternatives: [] };
    const forwarded =
      sRewrite !== undefined && sp.prefix !== undefined
        ? sRewrite + g.pathRewrite.slice(sp.prefix.length)
        : g.pathRewrite;
    return { alternatives: [{ path: gp, extraHeaders: [], rewrite: { pathRewrite: forwarded } }] };
  }
  if (g.prefixRewrite === false) return { alternatives: intersect(gp, sp, sRewrite) };

  const GP = gp.prefix!;
  const RW = g.prefixRewrite;
  // `/chapter` rewritten to `/…`: a remainder `/1` joins as `/1`, a remainder `X` as `/X`.
  const slash = RW.endsWith('/') && !GP.endsWith('/');
  /** Original-path heads under which the rewritten path continues with `rest`. */
  const heads = (rest: string): string[] => {
    if (!slash) return [GP + rest];
    const out = [`${GP}/${rest}`];
    if (rest !== '' && !rest.startsWith('/')) out.push(GP + rest);
    return out;
  };

  if (sp.prefix !== undefined) {
    const SP = sp.prefix;
    if (RW.startsWith(SP)) {
      // Every rewritten path already starts with the service route's prefix.
      const replacement = sRewrite !== undefined ? sRewrite + RW.slice(SP.length) : RW;
      return { alternatives: [{ path: gp, extraHeaders: [], rewrite: prefixRewrite(GP, replacement, slash) }] };
    }
    if (SP.startsWith(RW)) {
      const rewrite = { prefixRewrite: sRewrite ?? SP };
      return {
        alternatives: heads(SP.slice(RW.length)).map((prefix) => ({ path: { prefix }, extraHeaders: [], rewrite })),
      };
    }
    return { alternatives: [] };
  }
  if (sp.exact !== undefined) {
    const SE = sp.exact;
    if (!SE.startsWith(RW)) return { alternatives: [] };
    const rest = SE.slice(RW.length);
    const rewrite = { pathRewrite: sRewrite ?? SE };
    const exacts = slash && rest === '' ? [GP, `${GP}/`] : heads(rest);
    return { alternatives: exacts.map((exact) => ({ path: { exact }, extraHeaders: [], rewrite })) };
  }
  // A regex on the rewritten path: compare its literal head with the rewritten head first.
  const rewrite = prefixRewrite(GP, RW, slash);
  const head = literalHead(sp.regex!);
  if (head && !head.literal.startsWith(RW) && !RW.startsWith(head.literal)) return { alternatives: [] };
  if (head?.literal.startsWith(RW)) {
    const rest = head.literal.slice(RW.length);
    const alternatives: Composed[] = heads(rest).map((h) => ({
      path: gp,
      extraHeaders: [regexCondition(re2Literal(h), head.rest)],
      rewrite,
    }));
    // The prefix alone is rewritten to exactly the replacement.
    if (slash && rest === '' && compileRe2(head.rest || '(?:)').test('')) {
      alternatives.push({ path: { exact: GP }, extraHeaders: [], rewrite });
    }
    return { alternatives };
  }
  // Or when the rewrite only drops a literal head of the path (with a '/' joint, for
  // remainders that start a new segment).
  const base = !slash && GP.endsWith(RW) ? GP.slice(0, GP.length - RW.length) : slash && RW === '/' ? GP : undefined;
  if (base !== undefined) {
    return { alternatives: [{ path: gp, extraHeaders: [regexCondition(re2Literal(base), sp.regex!)], rewrite }] };
  }
  return {
    problem: {
      path: [...g.path, 'rewrite', 'prefix'],
      reason: `cannot combine this prefix rewrite with the regex path of route '${s.name}' of service '${s.service}'; rewrite to '/' or match the service route by prefix`,
    },
  };
}

function regexCondition(literalPrefix: string, regex: string): Json {
  return { name: ':path', string_match: { safe_regex: { regex: `${literalPrefix}(?:${regex})(?:\\?.*)?` } } };
}

/**
 * The literal text every match of `regex` starts with, and the regex for the rest; only for
 * regexes without alternation, where the head is unconditional.
 */
export function literalHead(regex: string): { literal: string; rest: string } | undefined {
  if (regex.includes('|')) return undefined;
  let i = 0;
  let literal = '';
  while (i < regex.length) {
    const c = regex[i];
    if (c === '\\') {
      const next = regex[i + 1];
      if (next === undefined || !/[\\^$.*+?()[\]{}|/-]/.test(next)) break;
      if (/[*+?{]/.test(regex[i + 2] ?? '')) break;
      literal += next;
      i += 2;
      continue;
    }
    if (/[\\^$.*+?()[\]{}|]/.test(c)) break;
    // A quantified character is not part of every match.
    if (/[*+?{]/.test(regex[i + 1] ?? '')) break;
    literal += c;
    i++;
  }
  return literal ? { literal, rest: regex.slice(i) } : undefined;
}

/** The service route's non-path conditions, with the gateway route's added. */
export function composeMatch(g: GatewayRouteModel, s: RouteModel): HttpMatchModel | undefined {
  const sm = s.match!;
  if (g.match.method && sm.method && g.match.method !== sm.method) return undefined;
  return {
    ...sm,
    headers: [...g.match.headers, ...sm.headers],
    queryParameters: [...g.match.queryParameters, ...sm.queryParameters],
    method: sm.method ?? g.match.method,
    grpc: sm.grpc || g.match.grpc,
  };
}
