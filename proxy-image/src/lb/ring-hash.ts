/**
 * RING_HASH (Envoy's ketama-style ring): each host owns points on a 32-bit ring in proportion
 * to its weight; a request's hash picks the first point at or after it. Adding or removing a
 * host only moves the keys next to its points. Requests without a hash get a random point.
 */
import type { Host } from '../cluster/host';
import { hashString } from '../router/hash-policy';
import type { LbContext, LoadBalancer } from './load-balancer';

export class RingHashLoadBalancer implements LoadBalancer {
  private readonly points: Uint32Array;
  private readonly owners: Host[];

  constructor(hosts: readonly Host[], minSize: number, maxSize: number) {
    const total = hosts.reduce((s, h) => s + h.weight, 0);
    const minWeight = hosts.reduce((m, h) => Math.min(m, h.weight), Number.POSITIVE_INFINITY);
    // As Envoy: scale so the lightest host gets at least one point and the ring at least minSize.
    const scale = hosts.length ? Math.min(Math.max(minSize / total, 1 / minWeight), maxSize / total) : 0;
    const entries: Array<[number, Host]> = [];
    for (const h of hosts) {
      const n = Math.max(1, Math.round(h.weight * scale));
      for (let i = 0; i < n; i++) entries.push([hashString(`${h.key}_${i}`), h]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    this.points = Uint32Array.from(entries.map((e) => e[0]));
    this.owners = entries.map((e) => e[1]);
  }

  choose(ctx?: LbContext): Host | undefined {
    const n = this.points.length;
    if (n === 0) return undefined;
    const h = ctx?.hash ?? Math.floor(Math.random() * 0x100000000);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }
}
