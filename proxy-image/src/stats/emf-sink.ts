/**
 * CloudWatch metrics as Embedded Metric Format lines on stdout, one document per cluster that
 * saw requests or responses in the interval: request count, 2xx/4xx/5xx counts and p50/p99
 * response time, named as ECS Service Connect names them (`RequestCount`,
 * `HTTPCode_Target_5XX_Count`, `TargetResponseTime`) so existing dashboards apply. On ECS, the awslogs driver or the
 * CloudWatch agent turns the lines into metrics; nothing is sent from the proxy itself.
 */
import type { StatsStore } from './store';

export interface EmfOptions {
  readonly intervalMs: number;
  readonly namespace: string;
  /** This proxy's service (`node.cluster`): the `DiscoveryName` dimension. */
  readonly service: string;
  readonly write?: (line: string) => void;
}

const RQ_TOTAL = /^cluster\.(.+)\.upstream_rq_total$/;
const CODE_CLASSES = ['2xx', '4xx', '5xx'] as const;

export class EmfSink {
  private timer: NodeJS.Timeout | undefined;
  /** Counter values at the last flush, by stat name. */
  private readonly last = new Map<string, number>();
  private readonly write: (line: string) => void;

  constructor(
    private readonly store: StatsStore,
    private readonly options: EmfOptions,
  ) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    store.trackSinkIntervals();
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Writes what happened since the last flush (also on shutdown, so the last interval counts). */
  flush(now = Date.now()): void {
    const clusters: string[] = [];
    for (const s of this.store.values()) {
      const m = RQ_TOTAL.exec(s.name);
      if (m && s.type === 'counter') clusters.push(m[1]);
    }
    const histograms = new Map(this.store.histogramList().map((h) => [h.name, h]));
    for (const cluster of clusters) {
      const requests = this.delta(`cluster.${cluster}.upstream_rq_total`);
      const codes = CODE_CLASSES.map((c) => this.delta(`cluster.${cluster}.upstream_rq_${c}`));
      const time = histograms.get(`cluster.${cluster}.upstream_rq_time`)?.takeSinkInterval([0.5, 0.99]) ?? {
        count: 0,
        values: [],
      };
      // A response can land in an interval with no new request to its cluster (the request was
      // counted in the one before): its status class and time are still this interval's.
      if (requests === 0 && time.count === 0 && codes.every((n) => n === 0)) continue;
      const metrics: Array<{ Name: string; Unit: string }> = [
        { Name: 'RequestCount', Unit: 'Count' },
        ...CODE_CLASSES.map((c) => ({ Name: `HTTPCode_Target_${c.toUpperCase()}_Count`, Unit: 'Count' })),
      ];
      const doc: Record<string, unknown> = {
        _aws: {
          Timestamp: now,
          CloudWatchMetrics: [
            {
              Namespace: this.options.namespace,
              Dimensions: [['DiscoveryName', 'TargetDiscoveryName']],
              Metrics: metrics,
            },
          ],
        },
        DiscoveryName: this.options.service,
        TargetDiscoveryName: cluster,
        RequestCount: requests,
      };
      CODE_CLASSES.forEach((c, i) => {
        doc[`HTTPCode_Target_${c.toUpperCase()}_Count`] = codes[i];
      });
      if (time.count > 0) {
        metrics.push(
          { Name: 'TargetResponseTime_p50', Unit: 'Milliseconds' },
          { Name: 'TargetResponseTime_p99', Unit: 'Milliseconds' },
        );
        doc.TargetResponseTime_p50 = round(time.values[0]);
        doc.TargetResponseTime_p99 = round(time.values[1]);
      }
      this.write(JSON.stringify(doc));
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private delta(name: string): number {
    const now = this.store.valueOf(name) ?? 0;
    const before = this.last.get(name) ?? 0;
    this.last.set(name, now);
    return Math.max(0, now - before);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
