/**
 * The mesh's CloudWatch dashboard and alarms, reading the metrics the compile controller emits
 * in Embedded Metric Format (lib/aws/metric-names.ts). Per-service and per-proxy graphs use
 * SEARCH expressions, so services added later appear without a redeploy.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, PROXY_METRIC, proxyMetricsNamespace } from '../aws/metric-names';

export interface MeshDashboardProps {
  readonly meshName: string;
  readonly controller: lambda.IFunction;
  /** Shown with the dashboard's own alarms. */
  readonly deadLetterAlarm: cloudwatch.IAlarm;
  /** @default - `trellis-<mesh>` */
  readonly dashboardName?: string;
}

export class MeshDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** At least one controller run published nothing because of an error. */
  public readonly compileErrorsAlarm: cloudwatch.Alarm;
  /** The controller function failed (before Lambda's retries). */
  public readonly controllerErrorsAlarm: cloudwatch.Alarm;
  /** A proxy has not read S3 for over two minutes (it keeps serving its last snapshot meanwhile). */
  public readonly proxyOutOfSyncAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: MeshDashboardProps) {
    super(scope, id);
    const mesh = props.meshName;
    const metric = (name: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { Mesh: mesh },
        statistic,
        period: Duration.minutes(1),
      });
    const search = (name: string, dimension: string, statistic: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},Mesh,${dimension}} MetricName="${name}" Mesh="${mesh}"', '${statistic}', 60)`,
        label,
        period: Duration.minutes(1),
        usingMetrics: {},
      });

    const proxies = proxyMetricsNamespace(mesh);
    const requests = (name: string, statistic: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${proxies},DiscoveryName,TargetDiscoveryName} MetricName="${name}"', '${statistic}', 60)`,
        label: '',
        period: Duration.minutes(1),
        usingMetrics: {},
      });

    const proxyMetricBy = (name: string, dimension: string, statistic: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${proxies},${dimension}} MetricName="${name}"', '${statistic}', 60)`,
        label: '',
        period: Duration.minutes(1),
        usingMetrics: {},
      });

    this.compileErrorsAlarm = new cloudwatch.Alarm(this, 'CompileErrorsAlarm', {
      alarmDescription: `Trellis mesh ${mesh}: a controller run published nothing (definition, compile, validation or deletion guard); proxies keep their last snapshot`,
      metric: metric(METRIC.compileErrors, 'Sum').with({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.controllerErrorsAlarm = new cloudwatch.Alarm(this, 'ControllerErrorsAlarm', {
      alarmDescription: `Trellis mesh ${mesh}: the compile controller failed`,
      metric: props.controller.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.proxyOutOfSyncAlarm = new cloudwatch.Alarm(this, 'ProxyOutOfSyncAlarm', {
      alarmDescription: `Trellis mesh ${mesh}: a proxy cannot read its snapshots from S3 (see SnapshotSyncAge by Proxy); it serves its last one`,
      metric: new cloudwatch.Metric({
        namespace: proxies,
        metricName: PROXY_METRIC.snapshotSyncAge,
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 120,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Proxies in sync write nothing.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName ?? `trellis-${mesh}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Trellis mesh \`${mesh}\`\nEndpoints come from Cloud Map; snapshots are published to S3 by the compile controller.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Controller runs',
        left: [
          metric(METRIC.reconciles, 'Sum'),
          metric(METRIC.snapshotsPublished, 'Sum'),
          metric(METRIC.compileErrors, 'Sum'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Healthy endpoints per service',
        left: [search(METRIC.healthyEndpoints, 'Service', 'Minimum', '')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Endpoints per service',
        left: [search(METRIC.endpoints, 'Service', 'Maximum', '')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Requests (caller → cluster)',
        left: [requests(PROXY_METRIC.requests, 'Sum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Upstream 5xx (caller → cluster)',
        left: [requests(PROXY_METRIC.target5xx, 'Sum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Response time p99 (ms)',
        left: [requests(PROXY_METRIC.responseTimeP99, 'Maximum')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Snapshot age per proxy (seconds since its config last changed)',
        left: [search(METRIC.snapshotAge, 'Proxy', 'Maximum', '')],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Proxies out of sync with S3 (seconds)',
        left: [proxyMetricBy(PROXY_METRIC.snapshotSyncAge, 'Proxy', 'Maximum')],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Controller',
        left: [
          props.controller.metricInvocations(),
          props.controller.metricErrors(),
          props.controller.metricThrottles(),
        ],
        right: [props.controller.metricDuration({ statistic: 'p99' })],
        width: 6,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [this.compileErrorsAlarm, this.controllerErrorsAlarm, this.proxyOutOfSyncAlarm, props.deadLetterAlarm],
        width: 6,
      }),
    );
  }
}
