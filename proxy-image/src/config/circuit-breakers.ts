/** Envoy's `config.cluster.v3.CircuitBreakers` for the DEFAULT priority, with Envoy's defaults. */
import type { Fields } from './fields';

export interface CircuitBreakerThresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  /** `retry_budget`: active retries allowed as a share of active requests. */
  readonly retryBudget: { readonly budgetPercent: number; readonly minRetryConcurrency: number } | undefined;
}

export const DEFAULT_THRESHOLDS: CircuitBreakerThresholds = {
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  retryBudget: undefined,
};

export function parseCircuitBreakers(f: Fields): CircuitBreakerThresholds {
  let result = DEFAULT_THRESHOLDS;
  for (const t of f.array('thresholds')) {
    const priority = t.enumOf('priority', ['DEFAULT', 'HIGH'] as const, 'DEFAULT');
    if (priority === 'HIGH') {
      // Routes here are always DEFAULT priority, so HIGH thresholds never apply.
      t.accept(...Object.keys(t.raw));
      t.ctx.ignored.push(`${t.path} (priority HIGH)`);
      continue;
    }
    const budget = t.object('retry_budget');
    let retryBudget: CircuitBreakerThresholds['retryBudget'];
    if (budget) {
      const pct = budget.object('budget_percent');
      retryBudget = {
        budgetPercent: pct?.number('value', 20) ?? 20,
        minRetryConcurrency: budget.number('min_retry_concurrency', 3),
      };
      pct?.done();
      budget.done();
    }
    result = {
      maxConnections: t.number('max_connections', 1024),
      maxPendingRequests: t.number('max_pending_requests', 1024),
      maxRequests: t.number('max_requests', 1024),
      maxRetries: t.number('max_retries', 3),
      retryBudget,
    };
    t.accept('track_remaining', 'max_connection_pools');
    t.done();
  }
  f.done(['per_host_thresholds']);
  return result;
}
