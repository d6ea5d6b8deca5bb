/**
 * Envoy's substitution formatter: `%COMMAND(arg):max_length%` operators inside a format
 * string, compiled once into a list of parts. Used by access logs and by header values
 * (`request_headers_to_add` may say `%DOWNSTREAM_REMOTE_ADDRESS%`). Empty values print `-`
 * in access logs, as Envoy does.
 */
import { hostname } from 'node:os';
import { firstValue, type HeaderMap } from '../http/header-map';
import { formatResponseFlags } from '../http/response-flags';
import type { StreamInfo } from '../http/stream-info';

/** Envoy's default access log format. */
export const DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ' +
  '%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ' +
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ' +
  '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** A value: a string, a number (typed in JSON logs) or undefined (`-`). */
type Value = string | number | undefined;
type Operator = (info: StreamInfo) => Value;

export class FormatError extends Error {}

function requestHeader(info: StreamInfo, name: string): string | undefined {
  const r = info.request;
  if (!r) return undefined;
  switch (name) {
    case ':method':
      return r.method;
    case ':path':
      return r.path;
    case ':authority':
      return r.authority;
    case ':scheme':
      return r.scheme;
    case 'host':
      return r.authority;
    default:
      return firstValue(r.headers, name);
  }
}

function mapHeader(map: HeaderMap | undefined, name: string, info: StreamInfo): string | undefined {
  if (name === ':status') return info.responseCode ? String(info.responseCode) : undefined;
  return map ? firstValue(map, name) : undefined;
}

function headerOperator(kind: 'REQ' | 'RESP' | 'TRAILER', arg: string): Operator {
  const [main, alt] = arg.toLowerCase().split('?');
  if (!main) throw new FormatError(`%${kind}()% needs a header name`);
  const read =
    kind === 'REQ'
      ? (info: StreamInfo, n: string) => requestHeader(info, n)
      : kind === 'RESP'
        ? (info: StreamInfo, n: string) => mapHeader(info.responseHeaders, n, info)
        : (info: StreamInfo, n: string) => mapHeader(info.responseTrailers, n, info);
  return alt ? (info) => read(info, main) ?? read(info, alt) : (info) => read(info, main);
}

function withoutPort(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const i = address.lastIndexOf(':');
  return i >= 0 && address.indexOf(':') === i ? address.slice(0, i) : address;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `%START_TIME(...)%` with strftime-like specifiers (and `%s`, `%3f`…); default ISO 8601 UTC. */
function startTime(arg: string | undefined): Operator {
  if (!arg) return (info) => new Date(info.startTime).toISOString();
  return (info) => {
    const d = new Date(info.startTime);
    return arg.replace(/%([0-9]?)([a-zA-Z%])/g, (_, digits: string, c: string) => {
      switch (c) {
        case 'Y':
          return String(d.getUTCFullYear());
        case 'm':
          return pad(d.getUTCMonth() + 1);
        case 'd':
          return pad(d.getUTCDate());
        case 'H':
          return pad(d.getUTCHours());
        case 'M':
          return pad(d.getUTCMinutes());
        case 'S':
          return pad(d.getUTCSeconds());
        case 's':
          return String(Math.floor(info.startTime / 1000));
        case 'f': {
          const n = digits ? Number(digits) : 9;
          return pad(d.getUTCMilliseconds(), 3).padEnd(9, '0').slice(0, n);
        }
        case 'z':
          return '+0000';
        case 'Z':
          return 'UTC';
        case '%':
          return '%';
        default:
          return `%${digits}${c}`;
      }
    });
  };
}

const SIMPLE: Record<string, Operator> = {
  PROTOCOL: (i) => i.protocol || undefined,
  RESPONSE_CODE: (i) => i.responseCode,
  RESPONSE_CODE_DETAILS: (i) => i.responseCodeDetails || undefined,
  RESPONSE_FLAGS: (i) => formatResponseFlags(i.responseFlags),
  BYTES_RECEIVED: (i) => i.bytesReceived,
  BYTES_SENT: (i) => i.bytesSent,
  DURATION: (i) => i.elapsedMs(),
  REQUEST_DURATION: (i) => (i.requestEnd ? Math.floor(i.requestEnd - i.start) : undefined),
  RESPONSE_DURATION: (i) => (i.responseStart ? Math.floor(i.responseStart - i.start) : undefined),
  RESPONSE_TX_DURATION: (i) => (i.responseStart && i.end ? Math.floor(i.end - i.responseStart) : undefined),
  UPSTREAM_HOST: (i) => i.upstreamHost,
  UPSTREAM_REMOTE_ADDRESS: (i) => i.upstreamHost,
  UPSTREAM_CLUSTER: (i) => i.upstreamCluster,
  UPSTREAM_LOCAL_ADDRESS: (i) => i.upstreamLocalAddress,
  UPSTREAM_TRANSPORT_FAILURE_REASON: (i) => i.upstreamTransportFailureReason,
  UPSTREAM_REQUEST_ATTEMPT_COUNT: (i) => i.attemptCount,
  DOWNSTREAM_REMOTE_ADDRESS: (i) => hostPort(i.downstreamRemoteAddress, i.downstreamRemotePort),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (i) => i.downstreamRemoteAddress,
  DOWNSTREAM_REMOTE_PORT: (i) => i.downstreamRemotePort,
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: (i) => hostPort(i.downstreamRemoteAddress, i.downstreamRemotePort),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: (i) => i.downstreamRemoteAddress,
  DOWNSTREAM_LOCAL_ADDRESS: (i) => hostPort(i.downstreamLocalAddress, i.downstreamLocalPort),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (i) => i.downstreamLocalAddress,
  DOWNSTREAM_LOCAL_PORT: (i) => i.downstreamLocalPort,
  CONNECTION_ID: (i) => i.connectionId,
  ROUTE_NAME: (i) => i.routeName,
  UPSTREAM_HOST_NAME: (i) => (i.upstreamHost ? withoutPort(i.upstreamHost) : undefined),
  REQUESTED_SERVER_NAME: () => undefined,
  DOWNSTREAM_PEER_URI_SAN: (i) => i.downstreamPeerUriSan,
  HOSTNAME: () => hostname(),
};

interface Part {
  readonly literal?: string;
  readonly op?: Operator;
  readonly max?: number;
}

const TOKEN = /%([A-Z_0-9]+)(?:\(([^)]*)\))?(?::(\d+))?%/y;

function compileParts(format: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    if (format[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(format);
    if (!m) throw new FormatError(`unterminated or malformed operator at offset ${i}: ${format.slice(i, i + 30)}`);
    const [whole, name, arg, max] = m;
    let op: Operator | undefined;
    if (name === 'REQ' || name === 'RESP' || name === 'TRAILER') op = headerOperator(name, arg ?? '');
    else if (name === 'START_TIME') op = startTime(arg);
    else if (arg === undefined) op = SIMPLE[name];
    if (!op) throw new FormatError(`unsupported operator %${name}%`);
    if (lit) parts.push({ literal: lit });
    lit = '';
    parts.push({ op, max: max ? Number(max) : undefined });
    i += whole.length;
  }
  if (lit) parts.push({ literal: lit });
  return parts;
}

function render(v: Value, max: number | undefined, dash: boolean): string {
  if (v === undefined || v === '') return dash ? '-' : '';
  const s = typeof v === 'number' ? String(v) : v;
  return max !== undefined && s.length > max ? s.slice(0, max) : s;
}

/** A compiled format string. `dash`: print `-` for missing values (access logs), or nothing (headers). */
export class Formatter {
  private readonly parts: Part[];
  /** The only operator, when the format is exactly one: JSON logs keep its type. */
  readonly single: Part | undefined;
  readonly isConstant: boolean;
  /** The text of a format without operators. */
  readonly constant: string;

  constructor(
    readonly format: string,
    private readonly dash = true,
  ) {
    this.parts = compileParts(format);
    this.single = this.parts.length === 1 && this.parts[0].op ? this.parts[0] : undefined;
    this.isConstant = this.parts.every((p) => p.literal !== undefined);
    this.constant = this.isConstant ? this.parts.map((p) => p.literal).join('') : '';
  }

  format1(info: StreamInfo): string {
    let out = '';
    for (const p of this.parts) out += p.literal ?? render(p.op!(info), p.max, this.dash);
    return out;
  }

  /** For JSON: a lone numeric operator stays a number. */
  value(info: StreamInfo): string | number | null {
    if (this.single) {
      const v = this.single.op!(info);
      if (typeof v === 'number') return v;
      if (v === undefined || v === '') return this.dash ? '-' : null;
      return render(v, this.single.max, this.dash);
    }
    return this.format1(info);
  }
}
