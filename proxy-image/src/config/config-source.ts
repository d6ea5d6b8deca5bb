/**
 * Envoy's `config.core.v3.ConfigSource`: where a dynamic resource comes from. The proxy
 * supports a file (`path` / `path_config_source`), REST-JSON polling, a gRPC stream per type,
 * and the aggregated stream (`ads`). New kinds (an S3 object, say) are added as another
 * variant here and a subscription in xds/.
 */
import type { Fields } from './fields';

export interface GrpcTarget {
  /** `envoy_grpc.cluster_name`: a static cluster whose first host is dialled. */
  readonly clusterName?: string;
  /** `google_grpc.target_uri`. */
  readonly targetUri?: string;
}

export interface ApiConfigSource {
  readonly apiType: 'REST' | 'GRPC' | 'AGGREGATED_GRPC';
  readonly clusterNames: readonly string[];
  readonly grpcServices: readonly GrpcTarget[];
  readonly refreshDelayMs: number;
  readonly requestTimeoutMs: number;
  readonly setNodeOnFirstMessageOnly: boolean;
}

export type ConfigSourceSpec =
  | { readonly kind: 'path'; readonly path: string; readonly initialFetchTimeoutMs: number }
  | { readonly kind: 'api'; readonly api: ApiConfigSource; readonly initialFetchTimeoutMs: number }
  | { readonly kind: 'ads'; readonly initialFetchTimeoutMs: number };

function parseGrpcService(f: Fields): GrpcTarget {
  const envoy = f.object('envoy_grpc');
  const google = f.object('google_grpc');
  let out: GrpcTarget;
  if (envoy) {
    out = { clusterName: envoy.requiredString('cluster_name') };
    envoy.accept('authority');
    envoy.done(['retry_policy']);
  } else if (google) {
    out = { targetUri: google.requiredString('target_uri') };
    google.accept('stat_prefix');
    google.done(['channel_credentials', 'call_credentials', 'credentials_factory_name', 'config']);
  } else {
    f.fail('', 'envoy_grpc or google_grpc is required');
  }
  f.accept('timeout', 'initial_metadata');
  f.done(['retry_policy']);
  return out;
}

export function parseApiConfigSource(f: Fields): ApiConfigSource {
  const apiType = f.enumOf('api_type', ['REST', 'GRPC', 'AGGREGATED_GRPC'] as const, 'REST');
  f.enumOf('transport_api_version', ['V3'] as const, 'V3');
  const clusterNames = f.stringArray('cluster_names');
  const grpcServices = f.array('grpc_services').map(parseGrpcService);
  const refreshDelayMs = f.duration('refresh_delay', 1000);
  const requestTimeoutMs = f.duration('request_timeout', 1000);
  const setNodeOnFirstMessageOnly = f.bool('set_node_on_first_message_only');
  f.accept('rate_limit_settings');
  f.done(['config_validators']);
  if (apiType === 'REST' && clusterNames.length !== 1) f.fail('cluster_names', 'REST needs exactly one cluster');
  if (apiType !== 'REST' && grpcServices.length !== 1) f.fail('grpc_services', 'gRPC needs exactly one service');
  return { apiType, clusterNames, grpcServices, refreshDelayMs, requestTimeoutMs, setNodeOnFirstMessageOnly };
}

export function parseConfigSource(f: Fields): ConfigSourceSpec {
  const initialFetchTimeoutMs = f.duration('initial_fetch_timeout', 15_000);
  f.enumOf('resource_api_version', ['V3'] as const, 'V3');
  f.accept('authorities');
  const kind = f.oneOf(['path', 'path_config_source', 'api_config_source', 'ads', 'self'] as const);
  let out: ConfigSourceSpec;
  if (kind === 'path') out = { kind: 'path', path: f.requiredString('path'), initialFetchTimeoutMs };
  else if (kind === 'path_config_source') {
    const p = f.object('path_config_source')!;
    const path = p.requiredString('path');
    // Envoy's watched_directory only changes which event triggers a reload; this proxy watches
    // the file's directory either way.
    p.accept('watched_directory');
    p.done();
    out = { kind: 'path', path, initialFetchTimeoutMs };
  } else if (kind === 'api_config_source') {
    out = { kind: 'api', api: parseApiConfigSource(f.object('api_config_source')!), initialFetchTimeoutMs };
  } else if (kind === 'ads') {
    f.object('ads')?.done();
    out = { kind: 'ads', initialFetchTimeoutMs };
  } else {
    f.done(['self']);
    f.fail('', 'one of path, path_config_source, api_config_source or ads is required');
  }
  f.done(['self']);
  return out;
}
