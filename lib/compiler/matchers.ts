/**
 * Model matches → Envoy v3 matchers (`config.route.v3.RouteMatch`, `HeaderMatcher`,
 * `QueryParameterMatcher`). Envoy's regexes are RE2 with full-match semantics, which is
 * what the model validated.
 */
import type { HeaderMatch, PathMatch, QueryParameterMatch } from '../model/match';
import type { HttpMatchModel } from '../model/model';
import { bodyHeader } from './body-router';

type Json = Record<string, unknown>;

interface StringMatchLike {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
}

function stringMatcher(m: StringMatchLike): Json | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.suffix !== undefined) return { suffix: m.suffix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

export function headerMatcher(name: string, m: Omit<HeaderMatch, 'name'>): Json {
  const out: Json = { name: name.toLowerCase() };
  const sm = stringMatcher(m);
  let invert = m.invert === true;
  if (sm) out.string_match = sm;
  else if (m.range) out.range_match = { start: String(m.range.start), end: String(m.range.end) };
  else if (m.present !== undefined) {
    out.present_match = true;
    // "Absent" is "present", inverted.
    if (!m.present) invert = !invert;
  }
  if (invert) out.invert_match = true;
  return out;
}

export function queryParameterMatcher(m: QueryParameterMatch): Json {
  const sm = stringMatcher(m);
  return sm ? { name: m.name, string_match: sm } : { name: m.name, present_match: true };
}

export function pathSpecifier(p: PathMatch): Json {
  if (p.exact !== undefined) return { path: p.exact };
  if (p.prefix !== undefined) return { prefix: p.prefix };
  return { safe_regex: { regex: p.regex } };
}

/** A full Envoy RouteMatch; `extraHeaders` lets the gateway add its own conditions. */
export function routeMatch(m: HttpMatchModel, path: PathMatch = m.path, extraHeaders: readonly Json[] = []): Json {
  const headers: Json[] = [...extraHeaders];
  if (m.method) headers.push({ name: ':method', string_match: { exact: m.method } });
  if (m.scheme) headers.push({ name: ':scheme', string_match: { exact: m.scheme } });
  for (const h of m.headers) headers.push(headerMatcher(h.name, h));
  for (const f of m.body?.fields ?? []) headers.push(headerMatcher(bodyHeader(f.path), f));
  const out: Json = { ...pathSpecifier(path) };
  if (headers.length) out.headers = headers;
  if (m.queryParameters.length) out.query_parameters = m.queryParameters.map(queryParameterMatcher);
  if (m.grpc) out.grpc = {};
  return out;
}
