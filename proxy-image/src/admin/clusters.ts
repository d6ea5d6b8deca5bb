/** `/clusters`: every cluster's limits and every host's counters and health, in Envoy's text and JSON forms. */
import type { Cluster } from '../cluster/cluster';

export function clustersText(clusters: readonly Cluster[]): string {
  const out: string[] = [];
  for (const c of clusters) {
    const n = c.name;
    const t = c.config.circuitBreakers;
    out.push(`${n}::observability_name::${n}`);
    out.push(`${n}::default_priority::max_connections::${t.maxConnections}`);
    out.push(`${n}::default_priority::max_pending_requests::${t.maxPendingRequests}`);
    out.push(`${n}::default_priority::max_requests::${t.maxRequests}`);
    out.push(`${n}::default_priority::max_retries::${t.maxRetries}`);
    out.push(`${n}::high_priority::max_connections::1024`);
    out.push(`${n}::high_priority::max_pending_requests::1024`);
    out.push(`${n}::high_priority::max_requests::1024`);
    out.push(`${n}::high_priority::max_retries::3`);
    out.push(`${n}::added_via_api::${c.addedViaApi}`);
    for (const h of c.hosts) {
      const p = `${n}::${h.key}`;
      out.push(`${p}::cx_active::${h.cxActive}`);
      out.push(`${p}::cx_connect_fail::${h.cxConnectFail}`);
      out.push(`${p}::cx_total::${h.cxTotal}`);
      out.push(`${p}::rq_active::${h.rqActive}`);
      out.push(`${p}::rq_error::${h.rqError}`);
      out.push(`${p}::rq_success::${h.rqSuccess}`);
      out.push(`${p}::rq_timeout::${h.rqTimeout}`);
      out.push(`${p}::rq_total::${h.rqTotal}`);
      out.push(`${p}::hostname::${h.hostname}`);
      out.push(`${p}::health_flags::${h.healthFlagsText()}`);
      out.push(`${p}::weight::${h.weight}`);
      out.push(`${p}::region::${h.locality.region}`);
      out.push(`${p}::zone::${h.locality.zone}`);
      out.push(`${p}::sub_zone::${h.locality.subZone}`);
      out.push(`${p}::canary::false`);
      out.push(`${p}::priority::${h.priority}`);
      out.push(`${p}::success_rate::-1`);
      out.push(`${p}::local_origin_success_rate::-1`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export function clustersJson(clusters: readonly Cluster[]): unknown {
  return {
    cluster_statuses: clusters.map((c) => {
      const t = c.config.circuitBreakers;
      return {
        name: c.name,
        observability_name: c.name,
        added_via_api: c.addedViaApi,
        circuit_breakers: {
          thresholds: [
            {
              priority: 'DEFAULT',
              max_connections: t.maxConnections,
              max_pending_requests: t.maxPendingRequests,
              max_requests: t.maxRequests,
              max_retries: t.maxRetries,
            },
          ],
        },
        host_statuses: c.hosts.map((h) => {
          const health: Record<string, unknown> = { eds_health_status: h.flags & 4 ? 'UNHEALTHY' : 'HEALTHY' };
          if (h.flags & 1) health.failed_active_health_check = true;
          if (h.flags & 2) health.failed_outlier_check = true;
          if (h.flags & 16) health.pending_active_hc = true;
          return {
            address: { socket_address: { address: h.address, port_value: h.port } },
            stats: [
              { name: 'cx_connect_fail', value: String(h.cxConnectFail) },
              { name: 'cx_total', value: String(h.cxTotal) },
              { name: 'rq_error', value: String(h.rqError) },
              { name: 'rq_success', value: String(h.rqSuccess) },
              { name: 'rq_timeout', value: String(h.rqTimeout) },
              { name: 'rq_total', value: String(h.rqTotal) },
              { type: 'GAUGE', name: 'cx_active', value: String(h.cxActive) },
              { type: 'GAUGE', name: 'rq_active', value: String(h.rqActive) },
            ],
            health_status: health,
            weight: h.weight,
            hostname: h.hostname,
            priority: h.priority,
            locality: { region: h.locality.region, zone: h.locality.zone, sub_zone: h.locality.subZone },
          };
        }),
      };
    }),
  };
}
