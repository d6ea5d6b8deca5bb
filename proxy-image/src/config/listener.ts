/**
 * Envoy's `config.listener.v3.Listener`: an address and filter chains, each ending in an HTTP
 * connection manager or a TCP proxy. Filter chains match on destination port, addresses and
 * source; TLS-based matching (server names, ALPN) arrives with TLS support.
 */

import { parseCidr } from '../http/internal-address';
import { NETWORK_RBAC_TYPE, type NetworkRbacConfig, parseNetworkRbac } from '../network/rbac';
import { type DownstreamTlsConfig, parseDownstreamTransportSocket } from '../tls/tls-context';
import { parseAddress, type SocketAddress } from './address';
import type { Fields, Json } from './fields';
import { type HcmConfig, parseHttpConnectionManager } from './http-connection-manager';
import { parseTcpProxy, type TcpProxyConfig } from './tcp-proxy';

export type NetworkFilter =
  | { readonly kind: 'hcm'; readonly hcm: HcmConfig }
  | { readonly kind: 'tcp'; readonly tcp: TcpProxyConfig };

export interface CidrRange {
  readonly prefix: string;
  readonly bits: number;
}

export interface FilterChainMatch {
  readonly destinationPort: number | undefined;
  readonly prefixRanges: readonly CidrRange[];
  readonly sourcePrefixRanges: readonly CidrRange[];
  readonly sourcePorts: readonly number[];
  readonly sourceType: 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';
  /** `tls` or `raw_buffer` (from the TLS inspector), or '' for any. */
  readonly transportProtocol: string;
}

export interface FilterChainConfig {
  readonly name: string;
  readonly match: FilterChainMatch;
  readonly filter: NetworkFilter;
  /** Network RBAC filters ahead of the final filter, in order. */
  readonly rbac: readonly NetworkRbacConfig[];
  /** The chain's TLS transport socket, or undefined for plaintext. */
  readonly tls: DownstreamTlsConfig | undefined;
  /** Canonical JSON of the chain, to keep connections when an update leaves it unchanged. */
  readonly fingerprint: string;
}

export interface ListenerConfig {
  readonly name: string;
  readonly address: SocketAddress;
  readonly filterChains: readonly FilterChainConfig[];
  readonly defaultFilterChain: FilterChainConfig | undefined;
  readonly statPrefix: string;
  readonly perConnectionBufferLimitBytes: number;
  readonly raw: Json;
  readonly fingerprint: string;
}

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

function cidrs(list: Fields[]): CidrRange[] {
  return list.map((r) => {
    const prefix = r.requiredString('address_prefix');
    const bits = r.number('prefix_len', prefix.includes(':') ? 128 : 32);
    r.done();
    if (!parseCidr(prefix, bits)) r.fail('address_prefix', `"${prefix}/${bits}" is not a valid CIDR range`);
    return { prefix, bits };
  });
}

function parseMatch(f: Fields | undefined): FilterChainMatch {
  if (!f)
    return {
      destinationPort: undefined,
      prefixRanges: [],
      sourcePrefixRanges: [],
      sourcePorts: [],
      sourceType: 'ANY',
      transportProtocol: '',
    };
  const destinationPort = f.number('destination_port');
  const prefixRanges = cidrs(f.array('prefix_ranges'));
  const sourcePrefixRanges = cidrs([...f.array('source_prefix_ranges'), ...f.array('direct_source_prefix_ranges')]);
  const rawPorts = f.get('source_ports');
  const sourcePorts = Array.isArray(rawPorts) ? rawPorts.map(Number) : [];
  const sourceType = f.enumOf('source_type', ['ANY', 'SAME_IP_OR_LOOPBACK', 'EXTERNAL'] as const, 'ANY');
  const transportProtocol = f.string('transport_protocol', '') ?? '';
  if (transportProtocol !== '' && transportProtocol !== 'raw_buffer' && transportProtocol !== 'tls') {
    f.fail('transport_protocol', `"${transportProtocol}" is not supported (tls or raw_buffer)`);
  }
  f.done(['server_names', 'application_protocols', 'address_suffix', 'suffix_len']);
  return { destinationPort, prefixRanges, sourcePrefixRanges, sourcePorts, sourceType, transportProtocol };
}

function parseNetworkFilters(list: Fields[], chain: Fields, rbac: NetworkRbacConfig[]): NetworkFilter {
  if (list.length === 0) chain.fail('filters', 'must list a network filter');
  let result: NetworkFilter | undefined;
  list.forEach((f, i) => {
    const name = f.requiredString('name');
    const tc = f.object('typed_config');
    const type = tc ? String(tc.raw['@type'] ?? '').replace(/^.*\//, '') : '';
    if (type === NETWORK_RBAC_TYPE && tc && i !== list.length - 1) {
      rbac.push(parseNetworkRbac(tc));
      f.done(['config_discovery']);
      return;
    }
    if (i !== list.length - 1) {
      f.fail(
        '',
        `network filter "${name}" is not supported (only rbac, then a final http_connection_manager or tcp_proxy)`,
      );
    }
    if (type === HCM) result = { kind: 'hcm', hcm: parseHttpConnectionManager(tc!) };
    else if (type === TCP_PROXY) result = { kind: 'tcp', tcp: parseTcpProxy(tc!) };
    else f.fail('typed_config', `network filter "${name}" (${type}) is not supported`);
    tc!.done();
    f.done(['config_discovery']);
  });
  return result!;
}

function parseFilterChain(f: Fields, index: number): FilterChainConfig {
  const name = f.string('name', '') || `chain_${index}`;
  const match = parseMatch(f.object('filter_chain_match'));
  const rbac: NetworkRbacConfig[] = [];
  const filter = parseNetworkFilters(f.array('filters'), f, rbac);
  const ts = f.object('transport_socket');
  const handshakeTimeoutMs = f.duration('transport_socket_connect_timeout', 10_000) ?? 10_000;
  const tls = ts ? parseDownstreamTransportSocket(ts, handshakeTimeoutMs) : undefined;
  f.accept('metadata');
  f.done(['on_demand_configuration']);
  return { name, match, filter, rbac, tls, fingerprint: JSON.stringify(f.raw) };
}

export function parseListener(f: Fields): ListenerConfig {
  const name = f.requiredString('name');
  const address = parseAddress(f.object('address') ?? f.fail('address', 'is required'));
  const filterChains = f.array('filter_chains').map(parseFilterChain);
  const dfc = f.object('default_filter_chain');
  const defaultFilterChain = dfc ? parseFilterChain(dfc, filterChains.length) : undefined;
  if (filterChains.length === 0 && !defaultFilterChain) f.fail('filter_chains', 'must list at least one filter chain');
  const statPrefix = f.string('stat_prefix', '');
  const perConnectionBufferLimitBytes = f.number('per_connection_buffer_limit_bytes', 1024 * 1024);
  if (f.has('bind_to_port') && !f.bool('bind_to_port'))
    f.fail('bind_to_port', 'false is not supported (no original-destination handoff)');
  if (f.bool('use_original_dst')) f.fail('use_original_dst', 'is not supported (no iptables interception)');
  // Listener filters: the TLS inspector is built in (transport_protocol matching peeks at the
  // first byte whenever a chain asks); others only feed matching this proxy does not do.
  for (const lf of f.array('listener_filters')) {
    const lfName = String(lf.raw.name ?? '');
    lf.accept(...Object.keys(lf.raw));
    if (lfName !== 'envoy.filters.listener.tls_inspector') f.ctx.ignored.push(`${lf.path} (${lfName})`);
  }
  f.accept(
    'traffic_direction',
    'drain_type',
    'metadata',
    'enable_reuse_port',
    'reuse_port',
    'continue_on_listener_filters_timeout',
    'listener_filters_timeout',
    'ignore_global_conn_limit',
  );
  f.done(['internal_listener', 'udp_listener_config', 'api_listener', 'additional_addresses', 'listener_specifier']);
  return {
    name,
    address,
    filterChains,
    defaultFilterChain,
    statPrefix,
    perConnectionBufferLimitBytes,
    raw: f.raw,
    fingerprint: JSON.stringify(f.raw),
  };
}
