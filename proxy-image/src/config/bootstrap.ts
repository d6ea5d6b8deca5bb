/**
 * Envoy's `config.bootstrap.v3.Bootstrap`: node identity, admin address, static resources and
 * where dynamic ones come from. The document has already passed the schema check; this reads
 * the supported subset and records what it ignores.
 */

import { parseSecret, type SecretConfig } from '../tls/secret';
import { missingStaticSecrets } from '../tls/static-secret-refs';
import { parseAddress, type SocketAddress } from './address';
import { type ClusterConfig, parseCluster } from './cluster';
import { type ApiConfigSource, type ConfigSourceSpec, parseApiConfigSource, parseConfigSource } from './config-source';
import type { Fields, Json } from './fields';
import { type ListenerConfig, parseListener } from './listener';
import { type NodeInfo, parseNode } from './node';

export interface Bootstrap {
  readonly node: NodeInfo;
  readonly admin: { readonly address: SocketAddress; readonly accessLogPath: string | undefined } | undefined;
  readonly listeners: readonly ListenerConfig[];
  readonly clusters: readonly ClusterConfig[];
  /** `static_resources.secrets`, referenced by name from TLS contexts without an sds_config. */
  readonly secrets: readonly SecretConfig[];
  readonly lds: ConfigSourceSpec | undefined;
  readonly cds: ConfigSourceSpec | undefined;
  readonly ads: ApiConfigSource | undefined;
  readonly statsFlushIntervalMs: number;
  readonly raw: Json;
}

export interface NodeOverrides {
  id?: string;
  cluster?: string;
  zone?: string;
}

export function parseBootstrap(f: Fields, overrides: NodeOverrides = {}): Bootstrap {
  const node = parseNode(f.object('node'), overrides);
  let admin: Bootstrap['admin'];
  const a = f.object('admin');
  if (a) {
    const addr = a.object('address');
    if (addr) admin = { address: parseAddress(addr), accessLogPath: a.string('access_log_path') };
    a.accept('access_log', 'profile_path', 'socket_options', 'ignore_global_conn_limit');
    a.done();
  }
  let listeners: ListenerConfig[] = [];
  let clusters: ClusterConfig[] = [];
  let secrets: SecretConfig[] = [];
  const sr = f.object('static_resources');
  if (sr) {
    listeners = sr.array('listeners').map(parseListener);
    clusters = sr.array('clusters').map((c) => parseCluster(c, JSON.stringify(c.raw)));
    secrets = sr.array('secrets').map(parseSecret);
    for (const [where, name] of missingStaticSecrets(listeners, clusters, secrets)) {
      sr.fail('secrets', `secret "${name}" used by ${where} is not defined here and has no sds_config`);
    }
    sr.done();
  }
  const seen = new Set<string>();
  for (const [i, l] of listeners.entries()) {
    if (seen.has(l.name)) f.fail(`static_resources.listeners[${i}].name`, `duplicate listener name "${l.name}"`);
    seen.add(l.name);
  }
  seen.clear();
  for (const [i, c] of clusters.entries()) {
    if (seen.has(c.name)) f.fail(`static_resources.clusters[${i}].name`, `duplicate cluster name "${c.name}"`);
    seen.add(c.name);
  }
  let lds: ConfigSourceSpec | undefined;
  let cds: ConfigSourceSpec | undefined;
  let ads: ApiConfigSource | undefined;
  const dr = f.object('dynamic_resources');
  if (dr) {
    const l = dr.object('lds_config');
    const c = dr.object('cds_config');
    const ad = dr.object('ads_config');
    lds = l ? parseConfigSource(l) : undefined;
    cds = c ? parseConfigSource(c) : undefined;
    ads = ad ? parseApiConfigSource(ad) : undefined;
    dr.done(['lds_resources_locator', 'cds_resources_locator']);
    if ((lds?.kind === 'ads' || cds?.kind === 'ads') && !ads)
      dr.fail('ads_config', 'is required when a config source is ads');
    if (ads && ads.apiType === 'REST') dr.fail('ads_config.api_type', 'ADS needs GRPC or AGGREGATED_GRPC');
  }
  const statsFlushIntervalMs = f.duration('stats_flush_interval', 5000);
  f.done(['lds_resources_locator', 'cds_resources_locator', 'hds_config']);
  return { node, admin, listeners, clusters, secrets, lds, cds, ads, statsFlushIntervalMs, raw: f.raw };
}
