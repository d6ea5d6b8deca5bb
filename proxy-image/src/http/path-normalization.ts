/**
 * Request path normalization, as Envoy's connection manager does it before filters and routing
 * (`normalize_path`, `merge_slashes`, `path_with_escaped_slashes_action`): the path that is
 * matched and authorized is the path that is forwarded (RELIABILITY.md A.9). Order as Envoy:
 * escaped slashes first, then RFC 3986 normalization, then merging slashes. The query string
 * is never touched.
 */

export type EscapedSlashesAction =
  | 'KEEP_UNCHANGED'
  | 'REJECT_REQUEST'
  | 'UNESCAPE_AND_REDIRECT'
  | 'UNESCAPE_AND_FORWARD';

export interface PathNormalization {
  readonly normalizePath: boolean;
  readonly mergeSlashes: boolean;
  readonly escapedSlashes: EscapedSlashesAction;
}

export type NormalizedPath =
  | { readonly kind: 'forward'; readonly path: string }
  | { readonly kind: 'reject'; readonly details: string }
  | { readonly kind: 'redirect'; readonly path: string };

const ESCAPED_SLASH = /%2f|%5c/i;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function isNoop(o: PathNormalization): boolean {
  return !o.normalizePath && !o.mergeSlashes && o.escapedSlashes === 'KEEP_UNCHANGED';
}

export function normalizeRequestPath(full: string, o: PathNormalization): NormalizedPath {
  // `*` (OPTIONS) and absolute-form targets are not paths to normalize.
  if (full === '*' || !full.startsWith('/')) return { kind: 'forward', path: full };
  const q = full.indexOf('?');
  let path = q < 0 ? full : full.slice(0, q);
  const query = q < 0 ? '' : full.slice(q);
  let unescaped = false;
  if (o.escapedSlashes !== 'KEEP_UNCHANGED' && ESCAPED_SLASH.test(path)) {
    if (o.escapedSlashes === 'REJECT_REQUEST') return { kind: 'reject', details: 'path_with_escaped_slashes' };
    path = path.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
    unescaped = true;
  }
  if (o.normalizePath) path = rfc3986(path);
  if (o.mergeSlashes) path = path.replace(/\/{2,}/g, '/');
  if (unescaped && o.escapedSlashes === 'UNESCAPE_AND_REDIRECT') return { kind: 'redirect', path: path + query };
  return { kind: 'forward', path: path + query };
}

/**
 * RFC 3986 section 6.2.2 normalization, with Envoy's (Chromium's canonicalizer's) choices:
 * percent-encoded unreserved characters are decoded (so `%2e%2e` is a dot segment), other
 * escapes get uppercase hex, a backslash is a slash, and dot segments are removed (5.2.4).
 */
function rfc3986(path: string): string {
  let decoded = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '%' && i + 2 < path.length && /^[0-9a-fA-F]{2}$/.test(path.slice(i + 1, i + 3))) {
      const ch = String.fromCharCode(Number.parseInt(path.slice(i + 1, i + 3), 16));
      decoded += UNRESERVED.test(ch) ? ch : `%${path.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else {
      decoded += c === '\\' ? '/' : c;
    }
  }
  return removeDotSegments(decoded);
}

function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  // segments[0] is '' (the path starts with '/').
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return `/${out.join('/')}`;
}
