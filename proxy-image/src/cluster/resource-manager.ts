/**
 * Circuit breakers (Envoy's ResourceManager): cluster-wide counts of connections, pending
 * requests, active requests and active retries against their limits. Crossing a limit fails
 * fast; the cluster's `circuit_breakers.default.*` gauges report open breakers and what remains.
 */
import type { CircuitBreakerThresholds } from '../config/circuit-breakers';
import type { StatsStore } from '../stats/store';

export class Resource {
  count = 0;
  constructor(readonly max: () => number) {}

  canCreate(): boolean {
    return this.count < this.max();
  }
  inc(): void {
    this.count++;
  }
  dec(): void {
    this.count--;
  }
}

export class ResourceManager {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
  readonly requests: Resource;
  readonly retries: Resource;

  constructor(readonly thresholds: CircuitBreakerThresholds) {
    this.connections = new Resource(() => thresholds.maxConnections);
    this.pendingRequests = new Resource(() => thresholds.maxPendingRequests);
    this.requests = new Resource(() => thresholds.maxRequests);
    const budget = thresholds.retryBudget;
    this.retries = new Resource(
      budget
        ? () =>
            Math.max(
              budget.minRetryConcurrency,
              Math.floor(((this.requests.count + this.pendingRequests.count) * budget.budgetPercent) / 100),
            )
        : () => thresholds.maxRetries,
    );
  }

  registerStats(store: StatsStore, prefix: string): void {
    const p = `${prefix}circuit_breakers.default.`;
    const pairs: Array<[string, string, Resource]> = [
      ['cx_open', 'remaining_cx', this.connections],
      ['rq_pending_open', 'remaining_pending', this.pendingRequests],
      ['rq_open', 'remaining_rq', this.requests],
      ['rq_retry_open', 'remaining_retries', this.retries],
    ];
    for (const [open, remaining, r] of pairs) {
      store.computedGauge(p + open, () => (r.canCreate() ? 0 : 1));
      store.computedGauge(p + remaining, () => Math.max(0, r.max() - r.count));
    }
  }
}
