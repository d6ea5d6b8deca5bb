/**
 * Header maps as Node's http and http2 modules hand them over: lowercase names, a string per
 * header, arrays for repeated ones. Pseudo-headers (`:path`…) are kept out of the map and
 * carried as fields of the request instead.
 */

export type HeaderValue = string | string[];
export type HeaderMap = Record<string, HeaderValue | undefined>;

/** One value for matching: repeated headers joined with `,`, as Envoy matches them. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}

/** The first value of a header (what Envoy reads for single-valued headers such as x-request-id). */
export function firstValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v[0];
}

export function appendHeader(headers: HeaderMap, name: string, value: string): void {
  const v = headers[name];
  if (v === undefined) headers[name] = value;
  else if (typeof v === 'string') headers[name] = [v, value];
  else v.push(value);
}

/** A header map from a parser's raw `[name, value, name, value…]` list; repeats become arrays. */
export function headersFromRawList(raw: readonly string[]): HeaderMap {
  const out: HeaderMap = {};
  for (let i = 0; i + 1 < raw.length; i += 2) appendHeader(out, raw[i].toLowerCase(), raw[i + 1]);
  return out;
}

/**
 * Request headers from an HTTP/1.1 parser's raw list, as node:http and node:http2 hand them to
 * the rest of the proxy: one string per name, repeats joined with `, ` (`cookie` with `; `).
 */
export function requestHeadersFromRawList(raw: readonly string[]): HeaderMap {
  const out: HeaderMap = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const prev = out[name];
    if (prev === undefined) out[name] = raw[i + 1];
    else out[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${raw[i + 1]}`;
  }
  return out;
}

/** A request as routing and filters see it. */
export interface RequestHeaders {
  method: string;
  /** `:path`, with the query string. */
  path: string;
  /** `:authority` (Host for HTTP/1). */
  authority: string;
  /** `:scheme` (`http` unless TLS). */
  scheme: string;
  headers: HeaderMap;
}

/** The path without query string or fragment. */
export function pathOnly(path: string): string {
  let end = path.length;
  const q = path.indexOf('?');
  if (q >= 0) end = q;
  const h = path.indexOf('#');
  if (h >= 0 && h < end) end = h;
  return end === path.length ? path : path.slice(0, end);
}

/** `:method`, `:path`, `:authority`, `:scheme` by name, as Envoy exposes pseudo-headers to matchers. */
export function pseudoHeader(req: RequestHeaders): (name: string) => string | undefined {
  return (name) => {
    switch (name) {
      case ':method':
        return req.method;
      case ':path':
        return req.path;
      case ':authority':
        return req.authority;
      case ':scheme':
        return req.scheme;
      default:
        return undefined;
    }
  };
}
