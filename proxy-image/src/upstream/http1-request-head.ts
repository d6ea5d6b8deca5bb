/**
 * Encodes an HTTP/1.1 request head for an upstream: request line, `host`, the header map and
 * the body's framing (Envoy's Http1::ClientConnection encodeHeaders). One string, written with
 * the first body bytes in one syscall.
 *
 * Names and values are checked here because not all of them come from a parser that already
 * refused bad bytes: route rewrites and `request_headers_to_add` come from configuration, and
 * a CR or LF there would split the request (header injection, request smuggling).
 */
import type { HeaderMap } from '../http/header-map';

/** What Node's and undici's own checks allow: no control characters but tab. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Origin-form and absolute-form targets: visible ASCII and obs-text, no spaces. */
const INVALID_TARGET = /[^\x21-\xff]/;

/** Methods whose requests carry a body by definition: without one they say `content-length: 0`. */
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH']);

export class RequestHeadError extends Error {}

export type BodyFraming =
  /** No body bytes follow the head. */
  | 'none'
  /** `content-length` bytes follow, as they are. */
  | 'length'
  /** The body follows chunk-encoded. */
  | 'chunked';

export interface RequestHead {
  readonly head: string;
  readonly framing: BodyFraming;
  /** The declared length when framing is 'length'. */
  readonly contentLength: number;
}

/**
 * `headers` must have no pseudo-headers, no `host` and no hop-by-hop headers (the router strips
 * them); `hasBody` is false only when the request has no body at all.
 */
export function encodeRequestHead(
  method: string,
  path: string,
  authority: string,
  headers: HeaderMap,
  hasBody: boolean,
): RequestHead {
  if (!TOKEN.test(method)) throw new RequestHeadError(`invalid method ${JSON.stringify(method)}`);
  if (INVALID_TARGET.test(path)) throw new RequestHeadError(`invalid request target ${JSON.stringify(path)}`);
  if (INVALID_VALUE.test(authority)) throw new RequestHeadError('invalid host header value');
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${authority}\r\n`;
  let contentLength = -1;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || name === 'host') continue;
    if (name.length === 17 && name === 'transfer-encoding') continue;
    if (!TOKEN.test(name)) throw new RequestHeadError(`invalid header name ${JSON.stringify(name)}`);
    if (typeof v === 'string') {
      if (INVALID_VALUE.test(v)) throw new RequestHeadError(`invalid value for header '${name}'`);
      head += `${name}: ${v}\r\n`;
    } else {
      for (const one of v) {
        if (INVALID_VALUE.test(one)) throw new RequestHeadError(`invalid value for header '${name}'`);
        head += `${name}: ${one}\r\n`;
      }
    }
    if (name.length === 14 && name === 'content-length') contentLength = parseContentLength(v);
  }
  let framing: BodyFraming;
  if (contentLength >= 0) {
    framing = contentLength === 0 && !hasBody ? 'none' : 'length';
  } else if (hasBody) {
    framing = 'chunked';
    head += 'transfer-encoding: chunked\r\n';
  } else {
    framing = 'none';
    if (EXPECTS_BODY.has(method)) head += 'content-length: 0\r\n';
  }
  return { head: `${head}\r\n`, framing, contentLength: Math.max(contentLength, 0) };
}

function parseContentLength(v: string | string[]): number {
  // Repeated identical values are one length (RFC 9110 §8.6); differing ones are refused.
  const values = typeof v === 'string' ? [v] : v;
  let n = -1;
  for (const one of values) {
    if (!/^\d{1,15}$/.test(one.trim())) throw new RequestHeadError(`invalid content-length ${JSON.stringify(one)}`);
    const k = Number(one.trim());
    if (n >= 0 && k !== n) throw new RequestHeadError('conflicting content-length values');
    n = k;
  }
  return n;
}
