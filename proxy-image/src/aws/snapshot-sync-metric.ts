/**
 * The proxy's own word on whether it still hears from S3: while its last successful poll is
 * older than a few poll intervals, it writes `SnapshotSyncAge` (seconds) as an EMF line on stdout
 * once per metrics interval; CloudWatch Logs turns it into a metric with no dimensions (for one
 * alarm over the whole mesh) and per `Proxy`. A proxy in sync writes nothing, so the metric
 * costs nothing until something is wrong. Enabled by the same settings as the request metrics
 * (`TRELLIS_EMF_INTERVAL_S`, `TRELLIS_EMF_NAMESPACE`).
 */

import { PROXY_METRIC } from '../../../lib/aws/metric-names';

export const SYNC_AGE_METRIC = PROXY_METRIC.snapshotSyncAge;
/** Out of sync: no successful poll for three poll intervals (15 s at the usual 5 s), and at least 5 s. */
const STALE_POLLS = 3;
const STALE_MIN_MS = 5000;

export interface SyncMetricOptions {
  readonly namespace: string;
  readonly proxy: string;
  readonly intervalMs: number;
  readonly pollIntervalMs: number;
  /** Milliseconds since the last successful poll (since start when there was none). */
  readonly sinceLastSync: () => number;
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

/** The EMF document for one interval, or `undefined` while the proxy is in sync. */
export function syncAgeDocument(o: SyncMetricOptions): Record<string, unknown> | undefined {
  const age = o.sinceLastSync();
  if (age < Math.max(STALE_MIN_MS, STALE_POLLS * o.pollIntervalMs)) return undefined;
  return {
    _aws: {
      Timestamp: (o.now ?? Date.now)(),
      CloudWatchMetrics: [
        { Namespace: o.namespace, Dimensions: [[], ['Proxy']], Metrics: [{ Name: SYNC_AGE_METRIC, Unit: 'Seconds' }] },
      ],
    },
    Proxy: o.proxy,
    [SYNC_AGE_METRIC]: Math.floor(age / 1000),
  };
}

/** Starts writing; returns the function that stops it. */
export function startSyncMetric(o: SyncMetricOptions): () => void {
  const write = o.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const timer = setInterval(() => {
    const doc = syncAgeDocument(o);
    if (doc) write(JSON.stringify(doc));
  }, o.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The request metrics' settings, read the way proxy-image/src/cli.ts reads them. */
export function syncMetricSettings(env: NodeJS.ProcessEnv): { intervalMs: number; namespace: string } | undefined {
  const seconds = Number(env.TRELLIS_EMF_INTERVAL_S);
  if (!env.TRELLIS_EMF_INTERVAL_S || !(seconds > 0)) return undefined;
  return { intervalMs: seconds * 1000, namespace: env.TRELLIS_EMF_NAMESPACE || 'Trellis/Proxy' };
}
