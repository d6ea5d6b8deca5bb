/**
 * The cluster manager (Envoy's ClusterManager): every cluster by name, static ones from the
 * bootstrap and dynamic ones from CDS, their endpoints from EDS. A new or changed cluster
 * warms (first endpoints, first health checks) before it replaces the old one with one map
 * assignment; requests already holding the old cluster finish on it while it drains. A cluster
 * CDS removes while routes still name it keeps serving until no route does (make before
 * break): xDS delivers CDS before RDS, and a request must never meet a route whose cluster
 * is already gone.
 */
import type { ClusterConfig } from '../config/cluster';
import { parseCluster } from '../config/cluster';
import type { ConfigSourceSpec } from '../config/config-source';
import { ConfigError, Fields, type Json, newContext } from '../config/fields';
import { ConfigLoadError } from '../config/load';
import { type LoadAssignment, parseLoadAssignment } from '../config/load-assignment';
import { log } from '../log';
import type { Gauge } from '../stats/metric';
import type { StatsStore } from '../stats/store';
import { DiscoveryApi } from '../xds/discovery-api';
import type { Subscription } from '../xds/subscription';
import type { SubscriptionFactory } from '../xds/subscription-factory';
import { Cluster } from './cluster';

const CLUSTER_TYPE = 'envoy.config.cluster.v3.Cluster';
const CLA_TYPE = 'envoy.config.endpoint.v3.ClusterLoadAssignment';
/** How often retiring clusters are checked against the routes. */
const SWEEP_MS = 250;

interface EdsSource {
  readonly api: DiscoveryApi;
  readonly sub: Subscription;
  readonly names: Set<string>;
}

/** Parses resources one by one, prefixing errors with their index; ignored fields go in one warning. */
export function parseResources<T>(resources: readonly Json[], where: string, parse: (f: Fields, raw: Json) => T): T[] {
  const ctx = newContext();
  const out = resources.map((r, i) => {
    try {
      return parse(new Fields(r, '', ctx), r);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigLoadError([`${where}: resources[${i}]: ${e.message}`]);
      throw e;
    }
  });
  if (ctx.ignored.length) log.warn(`${where}: ignoring unsupported fields: ${ctx.ignored.join(', ')}`);
  return out;
}

export class ClusterManager {
  private readonly active = new Map<string, Cluster>();
  private readonly warming = new Map<string, Cluster>();
  private readonly staticNames = new Set<string>();
  private readonly assignments = new Map<string, LoadAssignment>();
  private readonly eds = new Map<string, EdsSource>();
  private cds: { api: DiscoveryApi; sub: Subscription } | undefined;
  /** Removed by CDS, still named by a route: active until no route names them. */
  private readonly retiring = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** The clusters current routes send traffic to (set by the listener manager). */
  referencedClusters: () => ReadonlySet<string> = () => new Set();
  /** Called after a CDS update's clusters are warm (the listener manager retries a waiting LDS). */
  onClustersUpdated: () => void = () => {};
  private readonly activeGauge: Gauge;
  private readonly warmingGauge: Gauge;

  constructor(
    private readonly store: StatsStore,
    private readonly factory: SubscriptionFactory,
  ) {
    this.activeGauge = store.gauge('cluster_manager.active_clusters');
    this.warmingGauge = store.gauge('cluster_manager.warming_clusters');
  }

  get(name: string): Cluster | undefined {
    return this.active.get(name);
  }

  /** The version of a cluster still warming (added by CDS, first endpoints not in yet). */
  getWarming(name: string): Cluster | undefined {
    return this.warming.get(name);
  }

  /** Whether config may name the cluster (a retiring one no longer counts). */
  has(name: string): boolean {
    return (this.active.has(name) && !this.retiring.has(name)) || this.warming.has(name);
  }

  /** Active clusters, for the admin API. */
  clusters(): Cluster[] {
    return [...this.active.values()];
  }

  /** Static clusters from the bootstrap; resolves when they are warm. */
  addStatic(configs: readonly ClusterConfig[]): Promise<void> {
    for (const c of configs) this.staticNames.add(c.name);
    return Promise.all(configs.map((c) => this.addOrUpdate(c, false, ''))).then(() => undefined);
  }

  /** Starts CDS; resolves once the first update (or its timeout) is in and its clusters are warm. */
  async startCds(source: ConfigSourceSpec): Promise<void> {
    let warmed: Promise<void> = Promise.resolve();
    const api = new DiscoveryApi(this.store, 'cluster_manager.cds.', CLUSTER_TYPE, 'cds', (resources, version) => {
      warmed = this.applyCds(resources, version);
    });
    const sub = this.factory.subscribe(source, CLUSTER_TYPE, api);
    this.cds = { api, sub };
    this.sweepTimer = setInterval(() => this.sweepRetiring(), SWEEP_MS);
    this.sweepTimer.unref();
    api.armInitialFetchTimeout(source.initialFetchTimeoutMs);
    sub.start([]);
    await api.initial;
    await warmed;
  }

  get cdsApi(): DiscoveryApi | undefined {
    return this.cds?.api;
  }

  private applyCds(resources: readonly Json[], version: string): Promise<void> {
    const configs = parseResources(resources, 'cds', (f, raw) => parseCluster(f, JSON.stringify(raw)));
    const names = new Set<string>();
    for (const [i, c] of configs.entries()) {
      if (names.has(c.name)) throw new ConfigLoadError([`cds: resources[${i}].name: duplicate cluster "${c.name}"`]);
      if (this.staticNames.has(c.name)) {
        throw new ConfigLoadError([
          `cds: resources[${i}].name: "${c.name}" is a static cluster and cannot be replaced`,
        ]);
      }
      names.add(c.name);
    }
    // Everything parsed: now apply. Removed first, then added or changed ones start warming.
    const referenced = this.referencedClusters();
    for (const name of new Set([...this.active.keys(), ...this.warming.keys()])) {
      if (this.staticNames.has(name) || names.has(name)) continue;
      if (this.active.has(name) && referenced.has(name)) this.retire(name);
      else this.remove(name);
    }
    for (const name of names) this.retiring.delete(name);
    return Promise.all(configs.map((c) => this.addOrUpdate(c, true, version))).then(() => this.onClustersUpdated());
  }

  private addOrUpdate(config: ClusterConfig, viaApi: boolean, version: string): Promise<void> {
    const current = this.warming.get(config.name) ?? this.active.get(config.name);
    if (current && current.config.fingerprint === config.fingerprint) return current.ready;
    const previousWarming = this.warming.get(config.name);
    previousWarming?.drain(false);
    const cluster = new Cluster(config, this.store, viaApi, version);
    this.warming.set(config.name, cluster);
    this.updateGauges();
    if (config.type === 'EDS') this.watchEndpoints(cluster);
    cluster.initialize();
    return cluster.ready.then(() => {
      if (this.warming.get(config.name) !== cluster) return;
      this.warming.delete(config.name);
      const old = this.active.get(config.name);
      this.active.set(config.name, cluster);
      old?.drain(false);
      this.updateGauges();
      log.debug(`cluster ${config.name}: ${old ? 'updated' : 'added'}`);
    });
  }

  private retire(name: string): void {
    const w = this.warming.get(name);
    this.warming.delete(name);
    w?.drain(true);
    if (!this.retiring.has(name)) log.debug(`cluster ${name}: removed by CDS; kept until no route names it`);
    this.retiring.add(name);
    this.updateGauges();
  }

  /** Removes retiring clusters no route names any more. */
  sweepRetiring(): void {
    if (this.retiring.size === 0) return;
    const referenced = this.referencedClusters();
    for (const name of [...this.retiring]) {
      if (referenced.has(name)) continue;
      this.retiring.delete(name);
      this.remove(name);
    }
  }

  private remove(name: string): void {
    const w = this.warming.get(name);
    const a = this.active.get(name);
    this.warming.delete(name);
    this.active.delete(name);
    w?.drain(!a);
    a?.drain(true);
    this.updateGauges();
    log.debug(`cluster ${name}: removed`);
  }

  private updateGauges(): void {
    this.activeGauge.set(this.active.size);
    this.warmingGauge.set(this.warming.size);
  }

  private watchEndpoints(cluster: Cluster): void {
    const source = cluster.config.edsConfig!;
    const serviceName = cluster.config.edsServiceName;
    const cached = this.assignments.get(serviceName);
    if (cached) cluster.applyLoadAssignment(cached);
    else if (source.initialFetchTimeoutMs > 0) {
      setTimeout(() => {
        if (!cluster.isWarm && !cluster.isDraining) {
          log.warn(
            `cluster ${cluster.name}: no endpoints after ${source.initialFetchTimeoutMs} ms; warming without them`,
          );
          cluster.giveUpWaiting();
        }
      }, source.initialFetchTimeoutMs).unref();
    }
    const key = JSON.stringify(source);
    let eds = this.eds.get(key);
    if (!eds) {
      const api = new DiscoveryApi(this.store, 'cluster_manager.eds.', CLA_TYPE, 'eds', (resources) =>
        this.applyEds(resources),
      );
      const sub = this.factory.subscribe(source, CLA_TYPE, api);
      eds = { api, sub, names: new Set([serviceName]) };
      this.eds.set(key, eds);
      sub.start([...eds.names]);
    } else if (!eds.names.has(serviceName)) {
      eds.names.add(serviceName);
      eds.sub.updateNames([...eds.names]);
    }
  }

  private applyEds(resources: readonly Json[]): void {
    const las = parseResources(resources, 'eds', (f) => parseLoadAssignment(f));
    for (const la of las) {
      this.assignments.set(la.clusterName, la);
      for (const c of [...this.active.values(), ...this.warming.values()]) {
        if (c.config.type === 'EDS' && c.config.edsServiceName === la.clusterName) c.applyLoadAssignment(la);
      }
    }
  }

  shutdown(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.cds?.sub.stop();
    this.cds?.api.stop();
    for (const e of this.eds.values()) {
      e.sub.stop();
      e.api.stop();
    }
    for (const c of this.warming.values()) c.drain(true);
    for (const c of this.active.values()) c.drain(true);
  }
}
