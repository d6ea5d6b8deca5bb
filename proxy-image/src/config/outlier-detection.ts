/** Envoy's `config.cluster.v3.OutlierDetection`, with Envoy's defaults. */
import type { Fields } from './fields';

export interface OutlierDetectionConfig {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly successfulActiveHealthCheckUnejectHost: boolean;
  readonly failurePercentageThreshold: number;
  readonly enforcingFailurePercentage: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
}

export function parseOutlierDetection(f: Fields): OutlierDetectionConfig {
  const out: OutlierDetectionConfig = {
    consecutive5xx: f.number('consecutive_5xx', 5),
    consecutiveGatewayFailure: f.number('consecutive_gateway_failure', 5),
    intervalMs: f.duration('interval', 10_000),
    baseEjectionTimeMs: f.duration('base_ejection_time', 30_000),
    maxEjectionTimeMs: f.duration('max_ejection_time', 300_000),
    maxEjectionPercent: f.number('max_ejection_percent', 10),
    enforcingConsecutive5xx: f.number('enforcing_consecutive_5xx', 100),
    enforcingConsecutiveGatewayFailure: f.number('enforcing_consecutive_gateway_failure', 0),
    successfulActiveHealthCheckUnejectHost: f.bool('successful_active_health_check_uneject_host', true),
    failurePercentageThreshold: f.number('failure_percentage_threshold', 85),
    enforcingFailurePercentage: f.number('enforcing_failure_percentage', 0),
    failurePercentageMinimumHosts: f.number('failure_percentage_minimum_hosts', 5),
    failurePercentageRequestVolume: f.number('failure_percentage_request_volume', 50),
  };
  if (out.intervalMs <= 0) f.fail('interval', 'must be greater than 0');
  f.done();
  return out;
}
