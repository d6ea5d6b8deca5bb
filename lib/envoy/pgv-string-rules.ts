/**
 * protoc-gen-validate string and bytes rules: lengths (characters for strings, bytes for bytes),
 * RE2 patterns, affixes, sets, address formats, and the HTTP header name/value checks Envoy
 * declares with `well_known_regex`.
 */
import { isIP } from 'node:net';
import { compileRe2 } from '../regex/re2';
import { type BytesRules, list, type StringRules } from './pgv-rules';

function show(v: string): string {
  return JSON.stringify(v);
}

// RFC 7230 token characters, with the leading ':' HTTP/2 pseudo-headers carry.
const STRICT_HEADER_NAME = /^:?[0-9A-Za-z!#$%&'*+\-.^_`|~]+$/;
// RFC 7230 field-value: no control characters except horizontal tab.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const STRICT_HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// What Envoy uses (`strict: false` everywhere): only NUL, CR and LF are refused.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const LOOSE_HEADER = /^[^\u0000\u000A\u000D]*$/;
const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const patterns = new Map<string, RegExp | null>();

function patternOf(source: string): RegExp | null {
  let re = patterns.get(source);
  if (re === undefined) {
    try {
      re = compileRe2(source, false);
    } catch {
      re = null; // a pattern in Envoy's own protos that RE2 translation cannot handle: skip the check
    }
    patterns.set(source, re);
  }
  return re;
}

function codePoints(s: string): number {
  // PGV counts runes: a surrogate pair is one character.
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function wellKnownRegexProblem(r: StringRules, value: string): string | undefined {
  const which = r.well_known_regex;
  if (which === undefined || which === 'UNKNOWN' || which === 0) return undefined;
  const name = which === 'HTTP_HEADER_NAME' || which === 1;
  if (r.strict === false) {
    return LOOSE_HEADER.test(value) ? undefined : 'must not contain NUL, CR or LF characters';
  }
  if (name) return STRICT_HEADER_NAME.test(value) ? undefined : 'must be a valid HTTP header name (RFC 7230 token)';
  return STRICT_HEADER_VALUE.test(value) ? undefined : 'must be a valid HTTP header value (no control characters)';
}

export function stringProblem(r: StringRules, value: string): string | undefined {
  if (r.ignore_empty && value === '') return undefined;
  if (r.const !== undefined && value !== r.const) return `must equal ${show(r.const)}`;
  const needLen = r.len !== undefined || r.min_len !== undefined || r.max_len !== undefined;
  if (needLen) {
    const n = codePoints(value);
    if (r.len !== undefined && n !== r.len) return `must be exactly ${r.len} characters long`;
    if (r.min_len !== undefined && n < r.min_len) {
      return r.min_len === 1 ? 'must not be empty' : `must be at least ${r.min_len} characters long`;
    }
    if (r.max_len !== undefined && n > r.max_len) return `must be at most ${r.max_len} characters long`;
  }
  if (r.len_bytes !== undefined || r.min_bytes !== undefined || r.max_bytes !== undefined) {
    const n = Buffer.byteLength(value, 'utf8');
    if (r.len_bytes !== undefined && n !== r.len_bytes) return `must be exactly ${r.len_bytes} bytes long`;
    if (r.min_bytes !== undefined && n < r.min_bytes) {
      return r.min_bytes === 1 ? 'must not be empty' : `must be at least ${r.min_bytes} bytes long`;
    }
    if (r.max_bytes !== undefined && n > r.max_bytes) return `must be at most ${r.max_bytes} bytes long`;
  }
  if (r.pattern !== undefined) {
    const re = patternOf(r.pattern);
    if (re && !re.test(value)) return `must match the pattern ${show(r.pattern)}`;
  }
  if (r.prefix !== undefined && !value.startsWith(r.prefix)) return `must start with ${show(r.prefix)}`;
  if (r.suffix !== undefined && !value.endsWith(r.suffix)) return `must end with ${show(r.suffix)}`;
  if (r.contains !== undefined && !value.includes(r.contains)) return `must contain ${show(r.contains)}`;
  if (r.not_contains !== undefined && value.includes(r.not_contains)) return `must not contain ${show(r.not_contains)}`;
  const ins = list(r.in);
  if (ins && !ins.includes(value)) return `must be one of ${ins.map(show).join(', ')}`;
  const outs = list(r.not_in);
  if (outs?.includes(value)) return `must not be any of ${outs.map(show).join(', ')}`;
  if (r.hostname && !HOSTNAME.test(value)) return 'must be a valid hostname';
  if (r.ip && isIP(value) === 0) return 'must be a valid IP address';
  if (r.ipv4 && isIP(value) !== 4) return 'must be a valid IPv4 address';
  if (r.ipv6 && isIP(value) !== 6) return 'must be a valid IPv6 address';
  if (r.address && isIP(value) === 0 && !HOSTNAME.test(value)) return 'must be a valid hostname or IP address';
  if (r.uuid && !UUID.test(value)) return 'must be a valid UUID';
  return wellKnownRegexProblem(r, value);
}

export function bytesProblem(r: BytesRules, value: Uint8Array): string | undefined {
  if (r.ignore_empty && value.length === 0) return undefined;
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // PGV bytes literals in .proto files are strings; compare their bytes.
  const lit = (s: string) => Buffer.from(s, 'latin1');
  if (r.const !== undefined && !buf.equals(lit(r.const))) return 'must equal the required constant';
  if (r.len !== undefined && buf.length !== r.len) return `must be exactly ${r.len} bytes long`;
  if (r.min_len !== undefined && buf.length < r.min_len) return `must be at least ${r.min_len} bytes long`;
  if (r.max_len !== undefined && buf.length > r.max_len) return `must be at most ${r.max_len} bytes long`;
  if (r.prefix !== undefined && !buf.subarray(0, r.prefix.length).equals(lit(r.prefix))) return 'has the wrong prefix';
  if (r.suffix !== undefined && !buf.subarray(buf.length - r.suffix.length).equals(lit(r.suffix))) {
    return 'has the wrong suffix';
  }
  if (r.contains !== undefined && buf.indexOf(lit(r.contains)) < 0) return 'does not contain the required bytes';
  const ins = list(r.in);
  if (ins && !ins.some((s) => buf.equals(lit(s)))) return 'must be one of the allowed values';
  const outs = list(r.not_in);
  if (outs?.some((s) => buf.equals(lit(s)))) return 'must not be one of the refused values';
  if (
    (r.ip && buf.length !== 4 && buf.length !== 16) ||
    (r.ipv4 && buf.length !== 4) ||
    (r.ipv6 && buf.length !== 16)
  ) {
    return 'must be an IP address in network byte order';
  }
  return undefined;
}
