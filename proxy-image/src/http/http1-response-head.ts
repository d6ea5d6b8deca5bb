/**
 * Encodes an HTTP/1.1 response head for a downstream client (Envoy's Http1 ResponseEncoder):
 * status line, the header map, `date` when the upstream gave none, and the framing the codec
 * chooses: the upstream's `content-length` as it is, `content-length: 0` for a response that
 * ends with its headers, chunked otherwise, or close-delimited for an HTTP/1.0 client.
 */
import { STATUS_CODES } from 'node:http';
import type { HeaderMap } from './header-map';
import { headerLines } from './http1-header-lines';

export type ResponseFraming =
  /** No body bytes follow (HEAD, 1xx, 204, 304, or an empty body with its length said). */
  | 'none'
  /** `content-length` bytes follow. */
  | 'length'
  /** The body is chunk-encoded. */
  | 'chunked'
  /** The body ends when the connection closes (HTTP/1.0 without a length). */
  | 'close';

export interface ResponseHeadOptions {
  readonly http10: boolean;
  /** The request was HEAD: the head says what a GET would carry, and no body follows. */
  readonly headRequest: boolean;
  /** The response ends with its headers. */
  readonly endStream: boolean;
  /** The connection may carry another request after this response. */
  readonly keepAlive: boolean;
}

export interface ResponseHead {
  readonly head: string;
  readonly framing: ResponseFraming;
  /** The declared length when framing is 'length'. */
  readonly contentLength: number;
  /** False when this response closes the connection. */
  readonly keepAlive: boolean;
}

export function encodeResponseHead(status: number, headers: HeaderMap, o: ResponseHeadOptions): ResponseHead {
  const { lines, contentLength } = headerLines(headers, skipResponseHeader);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n${lines}`;
  if (headers.date === undefined) head += `date: ${httpDate()}\r\n`;
  let keepAlive = o.keepAlive;
  let framing: ResponseFraming;
  if (o.headRequest || status < 200 || status === 204 || status === 304) framing = 'none';
  else if (contentLength >= 0) framing = contentLength === 0 ? 'none' : 'length';
  else if (o.endStream) {
    framing = 'none';
    head += 'content-length: 0\r\n';
  } else if (!o.http10) {
    framing = 'chunked';
    head += 'transfer-encoding: chunked\r\n';
  } else {
    framing = 'close';
    keepAlive = false;
  }
  if (!keepAlive) head += 'connection: close\r\n';
  else if (o.http10) head += 'connection: keep-alive\r\n';
  return { head: `${head}\r\n`, framing, contentLength: Math.max(contentLength, 0), keepAlive };
}

/** The connection's own headers are the codec's to write. */
function skipResponseHeader(name: string): boolean {
  switch (name.length) {
    case 10:
      return name === 'connection' || name === 'keep-alive';
    case 17:
      return name === 'transfer-encoding';
    default:
      return false;
  }
}

let date: string | undefined;

/** The IMF-fixdate for now, computed once a second (as Node's http server caches it). */
function httpDate(): string {
  if (date === undefined) {
    date = new Date().toUTCString();
    setTimeout(
      () => {
        date = undefined;
      },
      1000 - (Date.now() % 1000),
    ).unref();
  }
  return date;
}
