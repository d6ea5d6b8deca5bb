/**
 * Envoy's `config.route.v3.QueryParameterMatcher`: a parameter of the `:path` query string,
 * by its first occurrence and undecoded (as Envoy's route matcher reads it), matched by a
 * StringMatcher or by presence.
 */
import type { Fields } from '../config/fields';
import { parseStringMatcher } from './string-matcher';

export interface QueryParameterMatcher {
  matches(query: ReadonlyMap<string, string>): boolean;
}

/** The query parameters of a path: first occurrence wins, values undecoded. */
export function parseQuery(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = path.indexOf('?');
  if (q < 0) return out;
  let end = path.indexOf('#', q);
  if (end < 0) end = path.length;
  for (const part of path.slice(q + 1, end).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!out.has(key)) out.set(key, eq < 0 ? '' : part.slice(eq + 1));
  }
  return out;
}

export function parseQueryParameterMatcher(f: Fields): QueryParameterMatcher {
  const name = f.requiredString('name');
  const sm = f.object('string_match');
  const present = f.has('present_match') ? f.bool('present_match') : undefined;
  f.done();
  if (sm) {
    const test = parseStringMatcher(sm);
    return { matches: (q) => (q.has(name) ? test(q.get(name)!) : false) };
  }
  if (present !== undefined) return { matches: (q) => q.has(name) === present };
  // Neither given: Envoy matches when the parameter is present.
  return { matches: (q) => q.has(name) };
}
