/**
 * One route of a virtual host (Envoy's `config.route.v3.Route`): its match (path by prefix,
 * exact path, RE2 full match or separated prefix; headers; query parameters; gRPC; runtime
 * fraction) compiled into one predicate, and its action.
 */
import type { Fields, Json } from '../config/fields';
import { headerValue, pathOnly, pseudoHeader, type RequestHeaders } from '../http/header-map';
import { parseHeaderMatcher } from './header-matcher';
import { type HeaderMutation, parseHeaderMutation } from './header-mutation';
import { parseQuery, parseQueryParameterMatcher } from './query-parameter-matcher';
import { parseDirectResponse, parseForwardAction, parseRedirectAction, type RouteAction } from './route-action';
import { compileRegexMatcher } from './string-matcher';

export type PathMatchKind = 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix';

export interface Route {
  readonly name: string;
  readonly matchedBy: PathMatchKind;
  /** The prefix or path that matched, for `prefix_rewrite`. */
  readonly matchText: string;
  readonly caseSensitive: boolean;
  matches(req: RequestHeaders): boolean;
  readonly action: RouteAction;
  readonly requestMutation: HeaderMutation;
  readonly responseMutation: HeaderMutation;
  /** `typed_per_filter_config`, by filter name, for filters that read per-route settings. */
  readonly perFilterConfig: ReadonlyMap<string, Json>;
}

type Predicate = (req: RequestHeaders) => boolean;

const DENOMINATORS = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

export function parseMatch(f: Fields): {
  predicate: Predicate;
  kind: PathMatchKind;
  text: string;
  caseSensitive: boolean;
} {
  const kind = f.oneOf(['prefix', 'path', 'safe_regex', 'path_separated_prefix'] as const);
  if (!kind) {
    f.done(['connect_matcher', 'path_match_policy']);
    f.fail('', 'one of prefix, path, safe_regex or path_separated_prefix is required');
  }
  const caseSensitive = f.bool('case_sensitive', true);
  const checks: Predicate[] = [];
  let text = '';
  if (kind === 'safe_regex') {
    const re = compileRegexMatcher(f.object('safe_regex')!);
    checks.push((req) => re.test(pathOnly(req.path)));
  } else {
    text = f.string(kind, '');
    const want = caseSensitive ? text : text.toLowerCase();
    const norm = caseSensitive ? (s: string) => s : (s: string) => s.toLowerCase();
    if (kind === 'prefix') {
      if (want !== '' && want !== '/') checks.push((req) => norm(req.path).startsWith(want));
      else if (want === '/') checks.push((req) => req.path.charCodeAt(0) === 47);
    } else if (kind === 'path') {
      checks.push((req) => norm(pathOnly(req.path)) === want);
    } else {
      if (want.endsWith('/') || want.includes('?') || want.includes('#')) {
        f.fail('path_separated_prefix', 'must not end with / or contain ? or #');
      }
      checks.push((req) => {
        const p = norm(pathOnly(req.path));
        return p === want || (p.startsWith(want) && p.charCodeAt(want.length) === 47);
      });
    }
  }
  const headers = f.array('headers').map(parseHeaderMatcher);
  if (headers.length) {
    checks.push((req) => {
      const pseudo = pseudoHeader(req);
      for (const h of headers) if (!h.matches(req.headers, pseudo)) return false;
      return true;
    });
  }
  const query = f.array('query_parameters').map(parseQueryParameterMatcher);
  if (query.length) {
    checks.push((req) => {
      const q = parseQuery(req.path);
      for (const m of query) if (!m.matches(q)) return false;
      return true;
    });
  }
  if (f.has('grpc')) {
    f.object('grpc')?.done();
    checks.push((req) => headerValue(req.headers, 'content-type')?.startsWith('application/grpc') === true);
  }
  const rf = f.object('runtime_fraction');
  if (rf) {
    // No runtime layer here: the default value is the fraction.
    const dv = rf.object('default_value');
    const numerator = dv?.number('numerator', 0) ?? 0;
    const denominator =
      DENOMINATORS[
        dv?.enumOf('denominator', Object.keys(DENOMINATORS) as Array<keyof typeof DENOMINATORS>, 'HUNDRED') ?? 'HUNDRED'
      ];
    dv?.done();
    rf.accept('runtime_key');
    rf.done();
    checks.push(() => Math.random() * denominator < numerator);
  }
  f.done(['connect_matcher', 'path_match_policy', 'tls_context', 'dynamic_metadata', 'filter_state']);
  let predicate: Predicate;
  if (checks.length === 0) predicate = () => true;
  else if (checks.length === 1) predicate = checks[0];
  else {
    predicate = (req) => {
      for (const c of checks) if (!c(req)) return false;
      return true;
    };
  }
  return { predicate, kind, text, caseSensitive };
}

function perFilter(f: Fields): Map<string, Json> {
  const out = new Map<string, Json>();
  const raw = f.get('typed_per_filter_config');
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Json)) out.set(k, v as Json);
  }
  return out;
}

export function parseRoute(f: Fields, index: number): Route {
  const name = f.string('name', '') || `route_${index}`;
  const m = parseMatch(f.object('match') ?? f.fail('match', 'is required'));
  const actionKind = f.oneOf(['route', 'redirect', 'direct_response'] as const);
  let action: RouteAction;
  if (actionKind === 'route') action = parseForwardAction(f.object('route')!, m.kind);
  else if (actionKind === 'redirect') action = parseRedirectAction(f.object('redirect')!, m.kind);
  else if (actionKind === 'direct_response') action = parseDirectResponse(f.object('direct_response')!);
  else {
    f.done(['filter_action', 'non_forwarding_action']);
    f.fail('', 'one of route, redirect or direct_response is required');
  }
  const requestMutation = parseHeaderMutation(
    f.array('request_headers_to_add'),
    f.stringArray('request_headers_to_remove'),
  );
  const responseMutation = parseHeaderMutation(
    f.array('response_headers_to_add'),
    f.stringArray('response_headers_to_remove'),
  );
  const perFilterConfig = perFilter(f);
  f.done(['filter_action', 'non_forwarding_action']);
  return {
    name,
    matchedBy: m.kind,
    matchText: m.text,
    caseSensitive: m.caseSensitive,
    matches: m.predicate,
    action,
    requestMutation,
    responseMutation,
    perFilterConfig,
  };
}
