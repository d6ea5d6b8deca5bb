/**
 * The controller's metric names in the `Trellis` CloudWatch namespace, shared by the Lambda that
 * emits them and the dashboard and alarms that read them. No CDK import: the Lambda bundles it.
 */
export const METRICS_NAMESPACE = 'Trellis';

export const METRIC = {
  /** Completed controller runs (published or not). Dimensions: Mesh. */
  reconciles: 'Reconciles',
  /** Runs that published nothing because of an error (definition, compile, validation, guard). Dimensions: Mesh. */
  compileErrors: 'CompileErrors',
  /** Proxies whose snapshot changed in a run. Dimensions: Mesh. */
  snapshotsPublished: 'SnapshotsPublished',
  /** Endpoints discovered, any health. Dimensions: Mesh, Service. */
  endpoints: 'Endpoints',
  /** Endpoints proxies send traffic to (HEALTHY or UNKNOWN). Dimensions: Mesh, Service. */
  healthyEndpoints: 'HealthyEndpoints',
  /** Seconds since the proxy's current snapshot was published. Dimensions: Mesh, Proxy. */
  snapshotAge: 'SnapshotAge',
} as const;

/**
 * The proxies' request metrics (EMF on stdout, turned into metrics by CloudWatch Logs), named as
 * ECS Service Connect names them. Dimensions: DiscoveryName (the caller's service),
 * TargetDiscoveryName (the Envoy cluster called). One namespace per mesh keeps meshes apart.
 */
export function proxyMetricsNamespace(mesh: string): string {
  return `Trellis/Proxy/${mesh}`;
}

export const PROXY_METRIC = {
  requests: 'RequestCount',
  target5xx: 'HTTPCode_Target_5XX_Count',
  responseTimeP99: 'TargetResponseTime_p99',
  /** Seconds since a proxy last read S3, written only while it is out of sync. Dimensions: none, and Proxy. */
  snapshotSyncAge: 'SnapshotSyncAge',
} as const;
