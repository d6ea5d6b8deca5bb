/**
 * The controller's CloudWatch metrics, in Embedded Metric Format: per mesh, whether the run
 * published and failed; per service, how many endpoints it has and how many take traffic; per
 * proxy, how old its current snapshot is. The dashboard and alarms of the `Mesh` construct read
 * exactly these names and dimensions (lib/aws/metric-names.ts).
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC } from '../../lib/aws/metric-names';
import type { PublishMeshResult } from '../../lib/snapshot-store/publish';

/** Health statuses proxies send traffic to (Envoy treats UNKNOWN as healthy). */
const SERVING = new Set(['HEALTHY', 'UNKNOWN', undefined]);

export function recordPublication(metrics: Metrics, mesh: string, result: PublishMeshResult, now: Date): void {
  metrics.addDimension('Mesh', mesh);
  metrics.addMetric(METRIC.reconciles, MetricUnit.Count, 1);
  metrics.addMetric(METRIC.compileErrors, MetricUnit.Count, 0);
  metrics.addMetric(
    METRIC.snapshotsPublished,
    MetricUnit.Count,
    result.proxies.filter((p) => p.status === 'published').length,
  );
  for (const service of result.model?.services ?? []) {
    let total = 0;
    let serving = 0;
    for (const v of service.versions) {
      for (const e of result.endpoints[`${service.name}/${v.name}`] ?? []) {
        total++;
        if (SERVING.has(e.health)) serving++;
      }
    }
    dimensioned(metrics, { Mesh: mesh, Service: service.name }).addMetric(METRIC.endpoints, MetricUnit.Count, total);
    dimensioned(metrics, { Mesh: mesh, Service: service.name }).addMetric(
      METRIC.healthyEndpoints,
      MetricUnit.Count,
      serving,
    );
  }
  for (const p of result.proxies) {
    dimensioned(metrics, { Mesh: mesh, Proxy: p.proxy }).addMetric(
      METRIC.snapshotAge,
      MetricUnit.Seconds,
      Math.max(0, (now.getTime() - Date.parse(p.publishedAt)) / 1000),
    );
  }
}

/** A metric with exactly these dimensions, written at once (Powertools' single metric). */
function dimensioned(metrics: Metrics, dimensions: Record<string, string>): Metrics {
  const single = metrics.singleMetric();
  single.clearDefaultDimensions();
  single.addDimensions(dimensions);
  return single;
}

export function recordFailure(metrics: Metrics, mesh: string): void {
  metrics.addDimension('Mesh', mesh);
  metrics.addMetric(METRIC.compileErrors, MetricUnit.Count, 1);
}
