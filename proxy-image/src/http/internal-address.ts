/**
 * Which downstream addresses count as internal (Envoy's `internal_address_config`). Internal
 * callers may steer retries and timeouts with `x-envoy-*` headers; external callers have
 * those headers stripped. Without a config, the ranges Envoy documents are used: RFC 1918,
 * RFC 4193 (fc00::/7) and loopback.
 */
import { isIP } from 'node:net';

interface Range {
  readonly v6: boolean;
  readonly bytes: Uint8Array;
  readonly bits: number;
}

function ipBytes(ip: string): Uint8Array | undefined {
  const kind = isIP(ip);
  if (kind === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (kind !== 6) return undefined;
  let text = ip;
  const out = new Uint8Array(16);
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const dot = text.lastIndexOf(':');
  if (text.includes('.', dot)) {
    const v4 = ipBytes(text.slice(dot + 1))!;
    text = `${text.slice(0, dot + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** `::ffff:a.b.c.d` (how Node reports IPv4 peers on dual-stack sockets) as plain IPv4. */
export function unmapIpv4(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export function parseCidr(prefix: string, bits: number): Range | undefined {
  const bytes = ipBytes(prefix);
  if (!bytes) return undefined;
  const v6 = bytes.length === 16;
  if (bits < 0 || bits > (v6 ? 128 : 32)) return undefined;
  return { v6, bytes, bits };
}

function inRange(addr: Uint8Array, r: Range): boolean {
  if ((addr.length === 16) !== r.v6) return false;
  let bits = r.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i] & mask) !== (r.bytes[i] & mask)) return false;
  }
  return true;
}

/** Answers kept per set; a sidecar sees few peers (its app, the other sidecars, the LB). */
const MEMO_LIMIT = 1024;

export class AddressSet {
  /**
   * Every request asks about its connection's peer, and parsing the address each time showed in
   * profiles: answers are memoised, and the memo starts over when it fills (an edge proxy
   * facing many clients then parses as before, never holding more than MEMO_LIMIT entries).
   */
  private readonly memo = new Map<string, boolean>();

  constructor(private readonly ranges: readonly Range[]) {}

  has(ip: string): boolean {
    const known = this.memo.get(ip);
    if (known !== undefined) return known;
    const answer = this.lookup(ip);
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(ip, answer);
    return answer;
  }

  private lookup(ip: string): boolean {
    const bytes = ipBytes(unmapIpv4(ip));
    if (!bytes) return false;
    for (const r of this.ranges) if (inRange(bytes, r)) return true;
    return false;
  }
}

export const DEFAULT_INTERNAL = new AddressSet(
  (
    [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['127.0.0.0', 8],
      ['fc00::', 7],
      ['::1', 128],
    ] as const
  ).map(([p, b]) => parseCidr(p, b)!),
);
