/** Envoy `config.listener.v3.Listener`s: one filter chain, HTTP or TCP, plaintext or mTLS. */
import type { MtlsModel } from '../model/model';
import { TLS_INSPECTOR } from './extensions';

type Json = Record<string, unknown>;

const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';

export interface ListenerTls {
  readonly mode: MtlsModel['mode'];
  /** The DownstreamTlsContext transport socket. */
  readonly transportSocket: Json;
}

export function listener(
  name: string,
  address: string,
  port: number,
  direction: 'INBOUND' | 'OUTBOUND',
  filter: { kind: 'http'; hcm: Json } | { kind: 'tcp'; tcpProxy: Json; networkFilters?: readonly Json[] },
  tls?: ListenerTls,
): Json {
  const filters =
    filter.kind === 'http'
      ? [{ name: 'envoy.filters.network.http_connection_manager', typed_config: filter.hcm }]
      : [...(filter.networkFilters ?? []), { name: 'envoy.filters.network.tcp_proxy', typed_config: filter.tcpProxy }];
  const out: Json = {
    '@type': LISTENER,
    name,
    address: { socket_address: { address, port_value: port } },
    traffic_direction: direction,
    // Envoy's edge guidance: bound what one connection may buffer.
    per_connection_buffer_limit_bytes: 32768,
    filter_chains: [{ filters }],
  };
  if (!tls || tls.mode === 'disabled') return out;
  const secure = {
    name: 'mtls',
    filter_chain_match: { transport_protocol: 'tls' },
    filters,
    transport_socket: tls.transportSocket,
  };
  if (tls.mode === 'strict') {
    // A plaintext or non-TLS peer matches no filter chain and is closed at once.
    out.filter_chains = [secure];
  } else {
    // Permissive: mesh callers use mTLS, callers outside the mesh may still speak plaintext.
    out.filter_chains = [secure, { name: 'plaintext', filters }];
  }
  out.listener_filters = [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TLS_INSPECTOR } }];
  return out;
}

export function routeConfiguration(name: string, virtualHosts: readonly Json[]): Json {
  return {
    '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    name,
    virtual_hosts: virtualHosts,
  };
}
