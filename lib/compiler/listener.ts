/** Envoy `config.listener.v3.Listener`s: one filter chain, HTTP or TCP. */
type Json = Record<string, unknown>;

const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';

export function listener(
  name: string,
  address: string,
  port: number,
  direction: 'INBOUND' | 'OUTBOUND',
  filter: { kind: 'http'; hcm: Json } | { kind: 'tcp'; tcpProxy: Json },
): Json {
  const f =
    filter.kind === 'http'
      ? { name: 'envoy.filters.network.http_connection_manager', typed_config: filter.hcm }
      : { name: 'envoy.filters.network.tcp_proxy', typed_config: filter.tcpProxy };
  return {
    '@type': LISTENER,
    name,
    address: { socket_address: { address, port_value: port } },
    traffic_direction: direction,
    // Envoy's edge guidance: bound what one connection may buffer.
    per_connection_buffer_limit_bytes: 32768,
    filter_chains: [{ filters: [f] }],
  };
}

export function routeConfiguration(name: string, virtualHosts: readonly Json[]): Json {
  return {
    '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    name,
    virtual_hosts: virtualHosts,
  };
}
