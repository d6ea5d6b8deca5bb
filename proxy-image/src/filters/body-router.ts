/**
 * Trellis body-based routing (`trellis.filters.http.body_router`). Routes match headers, so
 * this filter copies chosen fields of a JSON request body into request headers before the
 * router runs. Configured through Envoy's generic `xds.type.v3.TypedStruct`, so configs stay
 * schema-valid and a stock Envoy (where the filter is `is_optional`) simply skips it.
 *
 * Always removes client-sent headers with the configured names (no spoofing). Buffers only
 * JSON bodies of at most `max_request_bytes`; bigger ones stream through untouched, so memory
 * stays bounded. The buffered body is forwarded unchanged.
 */
import type { Fields } from '../config/fields';
import { headerValue } from '../http/header-map';
import type { FilterCallbacks, FilterStatus, HttpFilter } from './http-filter';

export const BODY_ROUTER_TYPE = 'trellis.filters.http.body_router.v1.BodyRouter';

interface FieldRule {
  readonly path: readonly string[];
  readonly header: string;
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function lookup(doc: unknown, path: readonly string[]): unknown {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return undefined;
      cur = cur[Number(seg)];
    } else if (cur !== null && typeof cur === 'object') {
      cur = Object.hasOwn(cur, seg) ? (cur as Record<string, unknown>)[seg] : undefined;
    } else return undefined;
  }
  return cur;
}

export class BodyRouterFilter implements HttpFilter {
  readonly name = 'trellis.filters.http.body_router';

  constructor(
    readonly maxRequestBytes: number,
    readonly rules: readonly FieldRule[],
  ) {}

  async decodeHeaders(cb: FilterCallbacks): Promise<FilterStatus> {
    const headers = cb.request.headers;
    for (const r of this.rules) delete headers[r.header];
    if (cb.body.empty || !isJson(headerValue(headers, 'content-type'))) return 'continue';
    const declared = headerValue(headers, 'content-length');
    if (declared !== undefined && Number(declared) > this.maxRequestBytes) return 'continue';
    let body: Buffer | undefined;
    try {
      body = await cb.body.buffer(this.maxRequestBytes);
    } catch {
      // The client went away mid-body; the router will see the same failure and log it.
      return 'continue';
    }
    if (!body) return 'continue';
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      return 'continue';
    }
    let changed = false;
    for (const r of this.rules) {
      const v = lookup(doc, r.path);
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        const s = String(v);
        // A header value cannot carry CR, LF or NUL; such a field is not routable.
        if (/[\r\n\0]/.test(s)) continue;
        headers[r.header] = s;
        changed = true;
      }
    }
    if (changed) cb.clearRouteCache();
    return 'continue';
  }
}

/** Builds the filter from the TypedStruct `value`. */
export function parseBodyRouter(f: Fields): BodyRouterFilter {
  const max = f.number('max_request_bytes', 8192);
  if (!Number.isInteger(max) || max <= 0) f.fail('max_request_bytes', 'must be a positive integer');
  const rules = f.array('fields').map((r) => {
    const path = r.requiredString('path');
    const header = r.requiredString('header').toLowerCase();
    if (!HEADER_NAME.test(header)) r.fail('header', `"${header}" is not a valid header name`);
    if (header.startsWith(':') || header === 'host') r.fail('header', `"${header}" cannot be set by this filter`);
    r.done();
    return { path: path.split('.'), header };
  });
  f.done();
  return new BodyRouterFilter(max, rules);
}
