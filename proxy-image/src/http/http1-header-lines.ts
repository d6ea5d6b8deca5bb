/**
 * Header lines of an HTTP/1.1 head, shared by the request head the upstream client writes and
 * the response head the downstream codec writes. Names and values are checked here because
 * not all of them come from a parser that already refused bad bytes: rewrites and added headers
 * come from configuration, and a CR or LF there would split the message (header injection,
 * request or response smuggling).
 */
import type { HeaderMap } from './header-map';

/** What Node's and undici's own checks allow: no control characters but tab. */
export const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class HeadError extends Error {}

/**
 * Tokens (header names, methods) already checked against TOKEN. A mesh writes the same few
 * dozen over and over, and a set lookup on a property key is cheaper than a regular expression;
 * bounded, so names that peers invent cannot grow it.
 */
const checkedNames = new Set<string>();
const MAX_CHECKED_NAMES = 512;

export function isToken(name: string): boolean {
  if (checkedNames.has(name)) return true;
  if (!TOKEN.test(name)) return false;
  if (checkedNames.size < MAX_CHECKED_NAMES) checkedNames.add(name);
  return true;
}

export interface HeaderLines {
  /** `name: value\r\n` for each header written. */
  readonly lines: string;
  /** The `content-length` written, or -1 when there is none. */
  readonly contentLength: number;
}

/**
 * The lines for `headers`, skipping the names `skip` returns true for (the framing headers the
 * codec writes itself). Throws HeadError naming the header at fault.
 */
export function headerLines(headers: HeaderMap, skip: (name: string) => boolean): HeaderLines {
  let lines = '';
  let contentLength = -1;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || skip(name)) continue;
    if (!isToken(name)) throw new HeadError(`invalid header name ${JSON.stringify(name)}`);
    if (typeof v === 'string') {
      if (INVALID_VALUE.test(v)) throw new HeadError(`invalid value for header '${name}'`);
      lines += `${name}: ${v}\r\n`;
    } else {
      for (const one of v) {
        if (INVALID_VALUE.test(one)) throw new HeadError(`invalid value for header '${name}'`);
        lines += `${name}: ${one}\r\n`;
      }
    }
    if (name.length === 14 && name === 'content-length') contentLength = parseContentLength(v);
  }
  return { lines, contentLength };
}

function parseContentLength(v: string | string[]): number {
  // Repeated identical values are one length (RFC 9110 §8.6); differing ones are refused.
  const values = typeof v === 'string' ? [v] : v;
  let n = -1;
  for (const one of values) {
    if (!/^\d{1,15}$/.test(one.trim())) throw new HeadError(`invalid content-length ${JSON.stringify(one)}`);
    const k = Number(one.trim());
    if (n >= 0 && k !== n) throw new HeadError('conflicting content-length values');
    n = k;
  }
  return n;
}
