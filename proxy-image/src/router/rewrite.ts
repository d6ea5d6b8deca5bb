/**
 * Path and host rewrites for forwarded requests (`prefix_rewrite`, `regex_rewrite`) and the
 * Location of redirects, as Envoy computes them. The query string is kept through rewrites.
 */
import type { RequestHeaders } from '../http/header-map';
import type { Route } from './route';
import type { ForwardAction, RedirectAction, RegexRewrite } from './route-action';
import { stripPort } from './route-table';

function splitQuery(path: string): [string, string] {
  const q = path.indexOf('?');
  return q < 0 ? [path, ''] : [path.slice(0, q), path.slice(q)];
}

function applyRewrite(
  path: string,
  route: Route,
  prefixRewrite: string | undefined,
  regexRewrite: RegexRewrite | undefined,
): string {
  if (prefixRewrite !== undefined) {
    if (route.matchedBy === 'path') {
      const [, query] = splitQuery(path);
      return prefixRewrite + query;
    }
    // Replace the matched prefix (compared case-insensitively when the route is).
    return prefixRewrite + path.slice(route.matchText.length);
  }
  if (regexRewrite) {
    const [p, query] = splitQuery(path);
    regexRewrite.pattern.lastIndex = 0;
    return p.replace(regexRewrite.pattern, regexRewrite.substitution) + query;
  }
  return path;
}

export function rewritePath(action: ForwardAction, route: Route, path: string): string {
  return applyRewrite(path, route, action.prefixRewrite, action.regexRewrite);
}

export function redirectLocation(action: RedirectAction, route: Route, req: RequestHeaders): string {
  const scheme = action.scheme ?? req.scheme;
  let host = action.host ?? stripPort(req.authority);
  const originalPort = req.authority.slice(stripPort(req.authority).length + 1);
  if (action.port) host = `${host}:${action.port}`;
  else if (!action.host && originalPort) {
    // Envoy drops the default port of the scheme it redirects to.
    const dflt = scheme === 'https' ? '443' : scheme === 'http' ? '80' : '';
    if (originalPort !== dflt && !(action.scheme && (originalPort === '80' || originalPort === '443'))) {
      host = `${host}:${originalPort}`;
    }
  }
  let path: string;
  if (action.path !== undefined) {
    const [, query] = splitQuery(req.path);
    path = action.path.includes('?') ? action.path : action.path + query;
  } else path = applyRewrite(req.path, route, action.prefixRewrite, action.regexRewrite);
  if (action.stripQuery) path = splitQuery(path)[0];
  return `${scheme}://${host}${path}`;
}
