/**
 * Load balancers over the hosts a cluster currently considers eligible (healthy hosts of the
 * best priority, or all of them in panic mode, see cluster/priority-set.ts). Each balancer is
 * rebuilt when that set changes, so `choose` does no bookkeeping beyond its own cursor.
 */
import type { Host } from '../cluster/host';
import type { ClusterConfig, LbPolicy } from '../config/cluster';
import { RingHashLoadBalancer } from './ring-hash';

export interface LbContext {
  /** The request's hash (RING_HASH), from the route's hash policy. */
  readonly hash?: number;
}

export interface LoadBalancer {
  choose(ctx?: LbContext): Host | undefined;
}

function equalWeights(hosts: readonly Host[]): boolean {
  for (const h of hosts) if (h.weight !== hosts[0].weight) return false;
  return true;
}

/** Smooth weighted round robin (nginx's): even spread, deterministic, O(n) per pick only when weighted. */
class RoundRobin implements LoadBalancer {
  private next = Math.floor(Math.random() * 1024);
  private readonly current: number[];
  private readonly total: number;
  private readonly weighted: boolean;

  constructor(private readonly hosts: readonly Host[]) {
    this.weighted = !equalWeights(hosts);
    this.current = hosts.map(() => 0);
    this.total = hosts.reduce((s, h) => s + h.weight, 0);
  }

  choose(): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (!this.weighted) return this.hosts[this.next++ % n];
    let best = 0;
    for (let i = 0; i < n; i++) {
      this.current[i] += this.hosts[i].weight;
      if (this.current[i] > this.current[best]) best = i;
    }
    this.current[best] -= this.total;
    return this.hosts[best];
  }
}

function weightedRandom(hosts: readonly Host[], total: number): Host {
  let r = Math.random() * total;
  for (const h of hosts) {
    r -= h.weight;
    if (r < 0) return h;
  }
  return hosts[hosts.length - 1];
}

class RandomLb implements LoadBalancer {
  private readonly weighted: boolean;
  private readonly total: number;

  constructor(private readonly hosts: readonly Host[]) {
    this.weighted = !equalWeights(hosts);
    this.total = hosts.reduce((s, h) => s + h.weight, 0);
  }

  choose(): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    return this.weighted ? weightedRandom(this.hosts, this.total) : this.hosts[Math.floor(Math.random() * n)];
  }
}

/**
 * Least request, Envoy's way: with equal weights, the best of `choice_count` random picks
 * (power of two choices); with unequal weights, weight / (active + 1)^bias picks the host.
 */
class LeastRequest implements LoadBalancer {
  private readonly weighted: boolean;

  constructor(
    private readonly hosts: readonly Host[],
    private readonly choices: number,
    private readonly bias: number,
  ) {
    this.weighted = !equalWeights(hosts);
  }

  choose(): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (n === 1) return this.hosts[0];
    if (this.weighted) {
      let best: Host | undefined;
      let bestScore = -1;
      for (const h of this.hosts) {
        const score = h.weight / (h.rqActive + 1) ** this.bias;
        if (score > bestScore || (score === bestScore && Math.random() < 0.5)) {
          best = h;
          bestScore = score;
        }
      }
      return best;
    }
    let best = this.hosts[Math.floor(Math.random() * n)];
    for (let i = 1; i < this.choices; i++) {
      const h = this.hosts[Math.floor(Math.random() * n)];
      if (h.rqActive < best.rqActive) best = h;
    }
    return best;
  }
}

export function createLoadBalancer(policy: LbPolicy, hosts: readonly Host[], cfg: ClusterConfig): LoadBalancer {
  switch (policy) {
    case 'ROUND_ROBIN':
      return new RoundRobin(hosts);
    case 'RANDOM':
      return new RandomLb(hosts);
    case 'LEAST_REQUEST':
      return new LeastRequest(hosts, Math.max(2, cfg.leastRequest.choiceCount), cfg.leastRequest.activeRequestBias);
    case 'RING_HASH':
      return new RingHashLoadBalancer(hosts, cfg.ringHash.minimumRingSize, cfg.ringHash.maximumRingSize);
  }
}
