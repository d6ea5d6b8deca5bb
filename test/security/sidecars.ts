/**
 * Bootstraps for two mesh sidecars on 127.0.0.1, shaped as the compiler emits them (see
 * lib/compiler/transport-socket.ts): the callee's inbound listener takes mTLS only (TLS
 * inspector + a `transport_protocol: tls` chain), the caller's egress cluster opens mTLS and
 * expects the callee's SPIFFE ID. Secrets are static and file-watched.
 */
import type { Doc } from '../support/envoy-config';
import { commonTlsContext, DOWNSTREAM_TLS, identitySecrets, type TestIdentity, UPSTREAM_TLS } from '../support/pki';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};

function staticCluster(name: string, port: number, extra: Doc = {}): Doc {
  return {
    name,
    connect_timeout: '2s',
    type: 'STATIC',
    load_assignment: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] },
      ],
    },
    ...extra,
  };
}

export function hcm(statPrefix: string, cluster: string, httpFilters: Doc[] = [], extra: Doc = {}): Doc {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM,
      stat_prefix: statPrefix,
      codec_type: 'AUTO',
      route_config: {
        name: 'local',
        virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
      },
      http_filters: [...httpFilters, ROUTER],
      ...extra,
    },
  };
}

export interface InboundOptions {
  /** Callers accepted by the TLS layer (default: anyone in the trust domain). */
  readonly callerSans?: ReadonlyArray<{ exact?: string; prefix?: string }>;
  /** Add a plaintext chain next to the TLS one (mTLS mode permissive). */
  readonly permissive?: boolean;
  readonly httpFilters?: Doc[];
  readonly trustDomain?: string;
  readonly accessLogPath?: string;
}

/** The callee: inbound mTLS listener in front of the app on `appPort`. */
export function inboundSidecar(id: TestIdentity, appPort: number, o: InboundOptions = {}): Doc {
  const sans = o.callerSans ?? [{ prefix: `spiffe://${o.trustDomain ?? 'bank.example'}/` }];
  const accessLog = o.accessLogPath
    ? {
        access_log: [
          {
            name: 'envoy.access_loggers.file',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
              path: o.accessLogPath,
              log_format: {
                text_format_source: {
                  inline_string: '%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\n',
                },
              },
            },
          },
        ],
      }
    : {};
  const chains: Doc[] = [
    {
      name: 'inbound-mtls',
      filter_chain_match: { transport_protocol: 'tls' },
      filters: [hcm('inbound', 'app', o.httpFilters, accessLog)],
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': DOWNSTREAM_TLS,
          require_client_certificate: true,
          common_tls_context: commonTlsContext(sans, ['h2', 'http/1.1']),
        },
      },
    },
  ];
  if (o.permissive)
    chains.push({ name: 'inbound-plaintext', filters: [hcm('inbound_plain', 'app', o.httpFilters, accessLog)] });
  return {
    node: { id: 'callee', cluster: 'callee' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'inbound',
          stat_prefix: 'inbound',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          listener_filters: [
            {
              name: 'envoy.filters.listener.tls_inspector',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
              },
            },
          ],
          filter_chains: chains,
        },
      ],
      clusters: [staticCluster('app', appPort)],
      secrets: identitySecrets(id),
    },
  };
}

/** The caller: plaintext egress listener, an mTLS cluster to the callee expecting `expectSan`. */
export function outboundSidecar(
  id: TestIdentity,
  calleePort: number,
  expectSan: string,
  o: { http2?: boolean } = {},
): Doc {
  const protocol = o.http2
    ? {
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
      }
    : {};
  return {
    node: { id: 'caller', cluster: 'caller' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'egress',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [{ filters: [hcm('egress', 'callee')] }],
        },
      ],
      clusters: [
        staticCluster('callee', calleePort, {
          ...protocol,
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': UPSTREAM_TLS,
              common_tls_context: commonTlsContext([{ exact: expectSan }], [o.http2 ? 'h2' : 'http/1.1']),
            },
          },
        }),
      ],
      secrets: identitySecrets(id),
    },
  };
}
