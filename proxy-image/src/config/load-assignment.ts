/**
 * Envoy's `config.endpoint.v3.ClusterLoadAssignment`: a cluster's endpoints, flattened to one
 * entry per endpoint with its priority, weight and EDS health status.
 */
import { parseAddress } from './address';
import type { Fields, Json } from './fields';

export type EdsHealth = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

export interface EndpointConfig {
  readonly address: string;
  readonly port: number;
  /** `endpoint.hostname`, used by `auto_host_rewrite`. */
  readonly hostname: string;
  readonly healthCheckPort: number;
  readonly health: EdsHealth;
  readonly weight: number;
  readonly priority: number;
  readonly locality: { readonly region: string; readonly zone: string; readonly subZone: string };
}

export interface LoadAssignment {
  readonly clusterName: string;
  readonly endpoints: readonly EndpointConfig[];
  readonly raw: Json;
}

const HEALTH: readonly EdsHealth[] = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'];

export function parseLoadAssignment(f: Fields): LoadAssignment {
  const clusterName = f.string('cluster_name', '');
  const endpoints: EndpointConfig[] = [];
  for (const group of f.array('endpoints')) {
    const priority = group.number('priority', 0);
    const loc = group.object('locality');
    const locality = {
      region: loc?.string('region', '') ?? '',
      zone: loc?.string('zone', '') ?? '',
      subZone: loc?.string('sub_zone', '') ?? '',
    };
    loc?.done();
    for (const lb of group.array('lb_endpoints')) {
      const ep = lb.object('endpoint') ?? lb.fail('endpoint', 'is required');
      const addr = parseAddress(ep.object('address') ?? ep.fail('address', 'is required'));
      const hc = ep.object('health_check_config');
      const healthCheckPort = hc?.number('port_value', 0) || addr.port;
      hc?.done(['address', 'hostname', 'disable_active_health_check']);
      const hostname = ep.string('hostname', '');
      ep.done(['additional_addresses']);
      const health = lb.enumOf('health_status', HEALTH, 'UNKNOWN');
      const weight = lb.number('load_balancing_weight', 1) || 1;
      lb.accept('metadata');
      lb.done(['endpoint_name']);
      endpoints.push({
        address: addr.address,
        port: addr.port,
        hostname,
        healthCheckPort,
        health,
        weight,
        priority,
        locality,
      });
    }
    group.accept('load_balancing_weight', 'metadata');
    group.done(['leds_cluster_locality_config', 'proximity']);
  }
  const policy = f.object('policy');
  if (policy) {
    policy.accept('overprovisioning_factor', 'endpoint_stale_after', 'weighted_priority_health');
    policy.done(['drop_overloads']);
  }
  f.done(['named_endpoints']);
  return { clusterName, endpoints, raw: f.raw };
}
