/**
 * Encodes an HTTP/1.1 request head for an upstream: request line, `host`, the header map and
 * the body's framing (Envoy's Http1::ClientConnection encodeHeaders). One string, written with
 * the first body bytes in one syscall.
 *
 * Names and values are checked (http1-header-lines.ts): rewrites and added headers come from
 * configuration.
 */
import type { HeaderMap } from '../http/header-map';
import { HeadError, headerLines, INVALID_VALUE, isToken } from '../http/http1-header-lines';

/** Origin-form and absolute-form targets: visible ASCII and obs-text, no spaces. */
const INVALID_TARGET = /[^\x21-\xff]/;

/** Methods whose requests carry a body by definition: without one they say `content-length: 0`. */
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** A request head that cannot be written (a bad method, target, name or value). */
export const RequestHeadError = HeadError;

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
  if (!isToken(method)) throw new HeadError(`invalid method ${JSON.stringify(method)}`);
  if (INVALID_TARGET.test(path)) throw new HeadError(`invalid request target ${JSON.stringify(path)}`);
  if (INVALID_VALUE.test(authority)) throw new HeadError('invalid host header value');
  const { lines, contentLength } = headerLines(headers, skipRequestHeader);
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${authority}\r\n${lines}`;
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

/** `host` is written from the authority; the body's framing is the codec's. */
function skipRequestHeader(name: string): boolean {
  return (name.length === 4 && name === 'host') || (name.length === 17 && name === 'transfer-encoding');
}
