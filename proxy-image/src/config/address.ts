/** Envoy's `config.core.v3.Address`, limited to TCP socket addresses. */
import type { Fields } from './fields';

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

export function parseAddress(f: Fields): SocketAddress {
  const sa = f.object('socket_address');
  if (!sa) {
    f.done(['pipe', 'envoy_internal_address']);
    f.fail('socket_address', 'is required (pipes and internal addresses are not supported)');
  }
  sa.enumOf('protocol', ['TCP'] as const, 'TCP');
  const address = sa.requiredString('address');
  const port = sa.number('port_value', 0);
  if (port < 0 || port > 65535) sa.fail('port_value', 'must be between 0 and 65535');
  sa.accept('ipv4_compat');
  sa.done(['named_port', 'resolver_name']);
  f.done(['pipe', 'envoy_internal_address']);
  return { address, port };
}

/** `host:port`, with brackets around IPv6 literals. */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
