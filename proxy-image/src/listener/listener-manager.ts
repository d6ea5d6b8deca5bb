/**
 * The listener manager (Envoy's ListenerManager): static listeners from the bootstrap and
 * dynamic ones from LDS. An LDS update is parsed and checked in full before anything changes;
 * new or changed listeners warm (their RDS route configs) before they bind or replace the
 * running ones; listeners left out of an update stop accepting and drain.
 */
import { parseResources } from '../cluster/cluster-manager';
import { formatAddress } from '../config/address';
import type { ConfigSourceSpec } from '../config/config-source';
import type { Json } from '../config/fields';
import { type ListenerConfig, parseListener } from '../config/listener';
import { ConfigLoadError } from '../config/load';
import { log } from '../log';
import type { Gauge } from '../stats/metric';
import type { StatsStore } from '../stats/store';
import { DiscoveryApi } from '../xds/discovery-api';
import type { Subscription } from '../xds/subscription';
import type { SubscriptionFactory } from '../xds/subscription-factory';
import type { ChainDeps } from './filter-chain';
import { ActiveListener, buildRuntime, type ListenerRuntime, runtimeReady } from './listener';

const LISTENER_TYPE = 'envoy.config.listener.v3.Listener';

/** A listener names a cluster CDS has not delivered (yet). */
class MissingClusterError extends ConfigLoadError {}

export class ListenerManager {
  private readonly listeners = new Map<string, ActiveListener>();
  /** Warming listeners by name, with the runtime that will serve them. */
  private readonly warming = new Map<string, { config: ListenerConfig; runtime: ListenerRuntime; version: string }>();
  private readonly staticNames = new Set<string>();
  /** Removed or replaced listeners whose connections are still draining. */
  private readonly draining = new Set<ActiveListener>();
  private lds: { api: DiscoveryApi; sub: Subscription } | undefined;
  /**
   * The last LDS update, rejected only for naming clusters not delivered yet. Without ADS,
   * LDS and CDS arrive in any order, and a source does not resend a version it saw rejected:
   * the update is tried again after the next CDS update, as if it had just arrived.
   */
  private waitingLds: { resources: readonly Json[]; version: string } | undefined;
  /** Listeners bind only once the server is live (not before the first complete config). */
  private started = false;
  private readonly totalActive: Gauge;
  private readonly totalWarming: Gauge;

  constructor(
    private readonly store: StatsStore,
    private readonly deps: ChainDeps,
    private readonly factory: SubscriptionFactory,
  ) {
    this.totalActive = store.gauge('listener_manager.total_listeners_active');
    this.totalWarming = store.gauge('listener_manager.total_listeners_warming');
    deps.clusterManager.referencedClusters = () => this.referencedClusters();
    deps.clusterManager.onClustersUpdated = () => this.retryWaitingLds();
  }

  /** Clusters named by any route table or TCP proxy that can still take a request. */
  referencedClusters(): Set<string> {
    const out = new Set<string>();
    const listeners = [...this.listeners.values(), ...this.draining];
    for (const config of [...listeners.map((l) => l.config), ...[...this.warming.values()].map((w) => w.config)]) {
      for (const chain of [...config.filterChains, ...(config.defaultFilterChain ? [config.defaultFilterChain] : [])]) {
        const f = chain.filter;
        if (f.kind === 'tcp') for (const c of f.tcp.clusters) out.add(c.name);
        else if (f.hcm.routes.kind === 'static') for (const n of f.hcm.routes.table.clusterNames) out.add(n);
      }
    }
    for (const p of this.deps.rds.providers()) for (const n of p.table?.clusterNames ?? []) out.add(n);
    return out;
  }

  list(): ActiveListener[] {
    return [...this.listeners.values()];
  }

  get ldsApi(): DiscoveryApi | undefined {
    return this.lds?.api;
  }

  /**
   * Envoy's `validate_clusters` (true by default for route configs inline in a listener):
   * every cluster a route names must exist, or the listener is rejected.
   */
  private checkClusters(config: ListenerConfig, where: string): void {
    const problems: string[] = [];
    for (const chain of [...config.filterChains, ...(config.defaultFilterChain ? [config.defaultFilterChain] : [])]) {
      const f = chain.filter;
      if (f.kind !== 'hcm' || f.hcm.routes.kind !== 'static' || !f.hcm.routes.table.validateClusters) continue;
      for (const name of f.hcm.routes.table.clusterNames) {
        if (!this.deps.clusterManager.has(name)) {
          problems.push(`${where}: listener "${config.name}" route config names unknown cluster "${name}"`);
        }
      }
    }
    if (problems.length) throw new MissingClusterError(problems);
  }

  addStatic(configs: readonly ListenerConfig[]): Promise<void> {
    for (const c of configs) this.checkClusters(c, 'static_resources.listeners');
    for (const c of configs) this.staticNames.add(c.name);
    return Promise.all(configs.map((c) => this.addOrUpdate(c, '', false))).then(() => undefined);
  }

  async startLds(source: ConfigSourceSpec): Promise<void> {
    let warmed: Promise<void> = Promise.resolve();
    const api = new DiscoveryApi(this.store, 'listener_manager.lds.', LISTENER_TYPE, 'lds', (resources, version) => {
      try {
        warmed = this.applyLds(resources, version);
        this.waitingLds = undefined;
      } catch (e) {
        this.waitingLds = e instanceof MissingClusterError ? { resources, version } : undefined;
        throw e;
      }
    });
    const sub = this.factory.subscribe(source, LISTENER_TYPE, api);
    this.lds = { api, sub };
    api.armInitialFetchTimeout(source.initialFetchTimeoutMs);
    sub.start([]);
    await api.initial;
    await warmed;
  }

  private retryWaitingLds(): void {
    const w = this.waitingLds;
    if (!w || !this.lds) return;
    log.info(`lds: retrying version "${w.version}" now that CDS has changed`);
    try {
      this.lds.api.onUpdate(w.resources, w.version);
    } catch {
      // Still rejected: logged and counted by the API; it waits for the next CDS update.
    }
  }

  private applyLds(resources: readonly unknown[], version: string): Promise<void> {
    const configs = parseResources(resources as never, 'lds', (f) => parseListener(f));
    const names = new Set<string>();
    const addresses = new Map<string, string>();
    for (const l of [...this.listeners.values()]) {
      if (this.staticNames.has(l.config.name)) addresses.set(addrKey(l.config), l.config.name);
    }
    for (const [i, c] of configs.entries()) {
      if (names.has(c.name)) throw new ConfigLoadError([`lds: resources[${i}].name: duplicate listener "${c.name}"`]);
      if (this.staticNames.has(c.name)) {
        throw new ConfigLoadError([
          `lds: resources[${i}].name: "${c.name}" is a static listener and cannot be replaced`,
        ]);
      }
      names.add(c.name);
      this.checkClusters(c, `lds: resources[${i}]`);
      const key = addrKey(c);
      const other = addresses.get(key);
      if (c.address.port !== 0 && other !== undefined && other !== c.name) {
        throw new ConfigLoadError([
          `lds: resources[${i}].address: ${formatAddress(c.address.address, c.address.port)} is already used by listener "${other}"`,
        ]);
      }
      addresses.set(key, c.name);
    }
    for (const name of [...this.listeners.keys(), ...this.warming.keys()]) {
      if (!this.staticNames.has(name) && !names.has(name)) void this.remove(name);
    }
    return Promise.all(configs.map((c) => this.addOrUpdate(c, version, true))).then(() => undefined);
  }

  private addOrUpdate(config: ListenerConfig, version: string, viaApi: boolean): Promise<void> {
    const current = this.listeners.get(config.name);
    if (current && current.config.fingerprint === config.fingerprint && !this.warming.has(config.name)) {
      return Promise.resolve();
    }
    const runtime = buildRuntime(config, this.deps, current?.runtime);
    const entry = { config, runtime, version };
    this.warming.set(config.name, entry);
    this.updateGauges();
    return runtimeReady(runtime).then(async () => {
      if (this.warming.get(config.name) !== entry) return;
      this.warming.delete(config.name);
      const existing = this.listeners.get(config.name);
      if (existing && addrKey(existing.config) === addrKey(config)) {
        existing.update(config, runtime, version);
      } else {
        const l = new ActiveListener(config, runtime, this.store, version, viaApi);
        if (existing) {
          await existing.stopAccepting();
          this.retire(existing);
        }
        this.listeners.set(config.name, l);
        if (this.started) {
          try {
            await l.bind();
          } catch (e) {
            log.error((e as Error).message);
            this.listeners.delete(config.name);
          }
        }
      }
      this.updateGauges();
    });
  }

  private async remove(name: string): Promise<void> {
    this.warming.delete(name);
    const l = this.listeners.get(name);
    this.listeners.delete(name);
    this.updateGauges();
    if (!l) return;
    log.info(`listener ${name} removed; draining`);
    await l.stopAccepting();
    this.retire(l);
  }

  private retire(l: ActiveListener): void {
    this.draining.add(l);
    l.drain();
    const check = setInterval(() => {
      if (l.activeConnections === 0) {
        clearInterval(check);
        this.draining.delete(l);
      }
    }, 1000);
    check.unref();
  }

  private updateGauges(): void {
    this.totalActive.set(this.listeners.size);
    this.totalWarming.set(this.warming.size);
  }

  /** Binds every warmed listener (server start). Throws if one cannot bind. */
  async startListeners(): Promise<void> {
    this.started = true;
    for (const l of this.listeners.values()) await l.bind();
  }

  async stopAccepting(): Promise<void> {
    this.lds?.sub.stop();
    this.lds?.api.stop();
    await Promise.all([...this.listeners.values()].map((l) => l.stopAccepting()));
  }

  drainAll(soon: boolean): void {
    for (const l of [...this.listeners.values(), ...this.draining]) l.drain(soon);
  }

  get activeConnections(): number {
    let n = 0;
    for (const l of [...this.listeners.values(), ...this.draining]) n += l.activeConnections;
    return n;
  }

  destroyConnections(): void {
    for (const l of [...this.listeners.values(), ...this.draining]) l.destroyConnections();
  }

  /** Listeners not yet warm (for /config_dump). */
  warmingConfigs(): Array<{ config: ListenerConfig; version: string }> {
    return [...this.warming.values()].map((w) => ({ config: w.config, version: w.version }));
  }
}

function addrKey(c: ListenerConfig): string {
  return `${c.address.address}:${c.address.port}`;
}
