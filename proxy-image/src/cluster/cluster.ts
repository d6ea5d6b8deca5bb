/**
 * A cluster at run time (Envoy's Cluster + PrioritySet + LoadBalancer): its hosts, which of
 * them may take traffic, the load balancer over those, the circuit breakers, active and
 * passive health checking, and per-host connection pools. Hosts come from the static load
 * assignment, DNS, or EDS updates; a host keeps its identity (and health) across updates.
 */
import type { ClusterConfig } from '../config/cluster';
import type { EndpointConfig, LoadAssignment } from '../config/load-assignment';
import { createLoadBalancer, type LbContext, type LoadBalancer } from '../lb/load-balancer';
import { log } from '../log';
import type { StatsStore } from '../stats/store';
import { ClientTlsContext } from '../tls/client-tls-context';
import { SslStats } from '../tls/ssl-stats';
import type { ConnPool } from '../upstream/conn-pool';
import { Http1ConnPool } from '../upstream/http1-conn-pool';
import { Http2ConnPool } from '../upstream/http2-conn-pool';
import type { PoolContext } from '../upstream/pool-context';
import { ClusterStats } from './cluster-stats';
import { DnsResolver } from './dns-resolver';
import { HealthChecker } from './health-checker';
import { Host } from './host';
import { OutlierDetector } from './outlier-detector';
import { ResourceManager } from './resource-manager';

export class Cluster {
  readonly name: string;
  readonly stats: ClusterStats;
  readonly resources: ResourceManager;
  readonly outlier: OutlierDetector | undefined;
  private readonly healthCheckers: HealthChecker[];
  private dns: DnsResolver | undefined;
  hosts: Host[] = [];
  private lb: LoadBalancer;
  private panic = false;
  private warmed = false;
  private resolveWarm!: () => void;
  /** Resolves once the cluster may take traffic: first endpoints and first health checks done. */
  readonly ready: Promise<void>;
  private draining = false;
  lastUpdated = new Date();

  constructor(
    readonly config: ClusterConfig,
    private readonly store: StatsStore,
    readonly addedViaApi: boolean,
    readonly versionInfo: string,
  ) {
    this.name = config.name;
    this.stats = new ClusterStats(store, config.name);
    this.resources = new ResourceManager(config.circuitBreakers);
    this.resources.registerStats(store, this.stats.prefix);
    store.computedGauge(`${this.stats.prefix}max_host_weight`, () =>
      this.hosts.reduce((m, h) => Math.max(m, h.weight), 0),
    );
    this.outlier = config.outlierDetection ? new OutlierDetector(config.outlierDetection, this, this.stats) : undefined;
    this.healthCheckers = config.healthChecks.map((hc) => new HealthChecker(hc, config.name, this, this.stats));
    this.lb = createLoadBalancer(config.lbPolicy, [], config);
    this.ready = new Promise((resolve) => {
      this.resolveWarm = resolve;
    });
  }

  /** Starts discovery (static hosts now, DNS, or waits for EDS) and health checking. */
  initialize(): void {
    this.outlier?.start();
    const t = this.config.type;
    if (t === 'STATIC') this.setEndpoints(this.config.loadAssignment?.endpoints ?? []);
    else if (t === 'STRICT_DNS' || t === 'LOGICAL_DNS') {
      this.dns = new DnsResolver(this.config, (eps) => this.setEndpoints(eps));
      void this.dns.start();
    }
    // EDS: the cluster manager calls applyLoadAssignment when the first assignment arrives.
  }

  /** EDS: a new ClusterLoadAssignment. */
  applyLoadAssignment(la: LoadAssignment): void {
    this.stats.update_attempt.inc();
    this.stats.update_success.inc();
    if (la.endpoints.length === 0) this.stats.update_empty.inc();
    this.setEndpoints(la.endpoints);
  }

  /** EDS gave up waiting (initial_fetch_timeout): warm with no hosts, as Envoy does. */
  giveUpWaiting(): void {
    this.finishWarming();
  }

  private setEndpoints(endpoints: readonly EndpointConfig[]): void {
    const old = new Map(this.hosts.map((h) => [h.key, h]));
    const next: Host[] = [];
    const added: Host[] = [];
    for (const ep of endpoints) {
      const key = ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
      if (next.some((h) => h.key === key)) continue;
      let h = old.get(key);
      if (h) {
        old.delete(key);
        h.weight = ep.weight;
        h.priority = ep.priority;
        h.hostname = ep.hostname;
        h.locality = ep.locality;
        h.healthCheckPort = ep.healthCheckPort;
        h.setEdsHealth(ep.health);
      } else {
        h = new Host(ep.address, ep.port, ep);
        added.push(h);
      }
      next.push(h);
    }
    const removed = [...old.values()];
    this.hosts = next;
    if (added.length || removed.length) this.stats.membership_change.inc();
    for (const h of removed) {
      this.outlier?.removed(h);
      h.drainPools();
    }
    let firstChecks: Promise<void> = Promise.resolve();
    if (this.healthCheckers.length) {
      for (const hc of this.healthCheckers) hc.removeHosts(removed);
      firstChecks = Promise.all(this.healthCheckers.map((hc) => hc.addHosts(added))).then(() => undefined);
    }
    this.recompute();
    if (!this.warmed) void firstChecks.then(() => this.finishWarming());
  }

  private finishWarming(): void {
    if (this.warmed) return;
    this.warmed = true;
    this.recompute();
    this.resolveWarm();
  }

  get isWarm(): boolean {
    return this.warmed;
  }

  /** Rebuilds the eligible host set and the balancer (after membership or health changes). */
  recompute(): void {
    const byPriority = new Map<number, Host[]>();
    for (const h of this.hosts) {
      let list = byPriority.get(h.priority);
      if (!list) byPriority.set(h.priority, (list = []));
      list.push(h);
    }
    const priorities = [...byPriority.keys()].sort((a, b) => a - b);
    let eligible: Host[] = [];
    let panic = false;
    let healthyTotal = 0;
    for (const h of this.hosts) if (h.healthy) healthyTotal++;
    for (const p of priorities) {
      const all = byPriority.get(p)!;
      const healthy = all.filter((h) => h.healthy);
      if (healthy.length === 0) continue;
      if ((100 * healthy.length) / all.length < this.config.healthyPanicThreshold) {
        eligible = all;
        panic = true;
      } else eligible = healthy;
      break;
    }
    if (eligible.length === 0 && priorities.length > 0 && this.config.healthyPanicThreshold > 0) {
      eligible = byPriority.get(priorities[0])!;
      panic = true;
    }
    this.panic = panic;
    this.lb = createLoadBalancer(this.config.lbPolicy, eligible, this.config);
    this.stats.membership_total.set(this.hosts.length);
    this.stats.membership_healthy.set(healthyTotal);
    this.stats.membership_excluded.set(0);
  }

  hostHealthChanged(): void {
    this.recompute();
  }

  hasTraffic(): boolean {
    return this.stats.upstream_cx_total.value > 0;
  }

  /** Picks a host; `avoid` (retry_host_predicate previous_hosts) is tried around `attempts` times. */
  chooseHost(ctx: LbContext | undefined, avoid?: ReadonlySet<Host>, attempts = 1): Host | undefined {
    if (this.panic) this.stats.lb_healthy_panic.inc();
    let h = this.lb.choose(ctx);
    if (avoid?.size) {
      for (let i = 0; i < attempts && h && avoid.has(h); i++) h = this.lb.choose(ctx);
    }
    return h;
  }

  pool(host: Host, protocol: 'http1' | 'http2'): ConnPool {
    let p = host.pools.get(protocol);
    if (!p) {
      const ctx: PoolContext = {
        host,
        stats: this.stats,
        resources: this.resources,
        connectTimeoutMs: this.config.connectTimeoutMs,
        idleTimeoutMs: this.config.idleTimeoutMs,
        maxRequestsPerConnection: this.config.maxRequestsPerConnection,
        http2: this.config.http2,
        tls: this.tlsContext(),
      };
      p = protocol === 'http2' ? new Http2ConnPool(ctx) : new Http1ConnPool(ctx);
      host.pools.set(protocol, p);
    }
    return p;
  }

  private tls: ClientTlsContext | undefined;

  /** The cluster's TLS context, built on first use (its secrets may still be arriving). */
  private tlsContext(): ClientTlsContext | undefined {
    if (!this.config.tls) return undefined;
    this.tls ??= new ClientTlsContext(
      this.config.tls,
      new SslStats(this.store, `cluster.${this.name}.`),
      `cluster ${this.name}`,
    );
    return this.tls;
  }

  /** Whether a request may still use this cluster object (false once replaced and drained). */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * The cluster was removed or replaced: stop checking and close connections as they go idle.
   * `removed`: no successor took the name, so its computed stats go too.
   */
  drain(removed: boolean): void {
    if (this.draining) return;
    this.draining = true;
    this.tls?.stop();
    this.dns?.stop();
    this.outlier?.stop();
    for (const hc of this.healthCheckers) hc.stop();
    for (const h of this.hosts) h.drainPools();
    if (removed) this.store.removeComputed(this.stats.prefix);
    if (!this.warmed) this.resolveWarm();
    log.debug(`cluster ${this.name}: draining`);
  }
}
