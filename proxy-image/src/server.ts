/**
 * The proxy server and its lifecycle (Envoy's Server::InstanceImpl): admin first, then
 * clusters (static, then CDS, all warm), then listeners (static, then LDS, routes warm), and
 * only then LIVE with listeners bound. Shutdown (SIGTERM, /quitquitquit) fails readiness at
 * once, stops accepting, drains connections (Connection: close, GOAWAY) and gives in-flight
 * requests up to the drain time before closing what remains.
 */
import { writeFileSync } from 'node:fs';
import { closeAllSinks } from './access-log/sink';
import { type AdminControl, AdminServer, type ServerState } from './admin/admin-server';
import { ClusterManager } from './cluster/cluster-manager';
import { formatAddress } from './config/address';
import type { Bootstrap } from './config/bootstrap';
import { ListenerManager } from './listener/listener-manager';
import { log } from './log';
import { RouteConfigProviderManager } from './router/route-config-provider';
import { StatsStore } from './stats/store';
import { secretManager } from './tls/secret-manager';
import { closeTracerSockets } from './tracing/xray-tracer';
import { VERSION } from './version';
import { SubscriptionFactory } from './xds/subscription-factory';

export interface ServerOptions {
  readonly bootstrap: Bootstrap;
  readonly drainTimeMs: number;
  readonly adminAddressPath: string | undefined;
  readonly commandLineOptions: Record<string, unknown>;
}

const STATE_VALUE: Record<ServerState, number> = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 };

export class Server implements AdminControl {
  readonly store = new StatsStore();
  readonly startedAt = new Date();
  readonly bootstrap: Bootstrap;
  readonly commandLineOptions: Record<string, unknown>;
  private current: ServerState = 'PRE_INITIALIZING';
  private healthFailed = false;
  private draining = false;
  private admin: AdminServer | undefined;
  private factory: SubscriptionFactory | undefined;
  private cm: ClusterManager | undefined;
  private lm: ListenerManager | undefined;
  private rds: RouteConfigProviderManager | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves when the server has shut down. */
  readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });

  constructor(private readonly options: ServerOptions) {
    this.bootstrap = options.bootstrap;
    this.commandLineOptions = options.commandLineOptions;
    this.store.computedGauge('server.state', () => STATE_VALUE[this.state()]);
    this.store.computedGauge('server.live', () => (this.state() === 'LIVE' ? 1 : 0));
    this.store.computedGauge('server.uptime', () => Math.floor((Date.now() - this.startedAt.getTime()) / 1000));
    this.store.computedGauge('server.memory_allocated', () => process.memoryUsage().heapUsed);
    this.store.computedGauge('server.memory_physical_size', () => process.memoryUsage().rss);
    this.store.computedGauge('server.concurrency', () => 1);
    this.store.computedGauge('server.total_connections', () => this.lm?.activeConnections ?? 0);
    this.store.gauge('server.version').set(Number(VERSION.replace(/\D/g, '')) || 0);
    this.store.startFlushing(options.bootstrap.statsFlushIntervalMs);
  }

  state(): ServerState {
    if (this.draining || (this.healthFailed && this.current === 'LIVE')) return 'DRAINING';
    return this.current;
  }

  clusterManager(): ClusterManager | undefined {
    return this.cm;
  }

  listenerManager(): ListenerManager | undefined {
    return this.lm;
  }

  routeProviders(): RouteConfigProviderManager | undefined {
    return this.rds;
  }

  /** Whether anything (LDS, CDS, RDS, EDS, SDS) can send this proxy a new config. */
  configCanChange(): boolean {
    return (this.factory?.subscriptions ?? 0) > 0;
  }

  /** Starts everything; resolves when LIVE. Rejects (with a clear message) if startup fails. */
  async start(): Promise<void> {
    const b = this.bootstrap;
    if (b.admin) {
      this.admin = new AdminServer(this);
      const bound = await this.admin.listen(b.admin.address.address, b.admin.address.port);
      const where = formatAddress(bound.address, bound.port);
      log.info(`admin address: ${where}`);
      if (this.options.adminAddressPath) writeFileSync(this.options.adminAddressPath, where);
    }
    this.current = 'INITIALIZING';
    const factory = new SubscriptionFactory(b.node, this.store, b.ads);
    this.factory = factory;
    secretManager.configure(this.store, factory, b.secrets);
    const cm = new ClusterManager(this.store, factory);
    this.cm = cm;
    factory.clusterTarget = (name) => {
      const c = cm.get(name);
      return c?.chooseHost(undefined)?.key;
    };
    await cm.addStatic(b.clusters);
    if (b.cds) await cm.startCds(b.cds);
    const rds = new RouteConfigProviderManager(this.store, factory);
    this.rds = rds;
    const lm = new ListenerManager(this.store, { clusterManager: cm, store: this.store, rds }, factory);
    this.lm = lm;
    await lm.addStatic(b.listeners);
    if (b.lds) await lm.startLds(b.lds);
    if (this.draining) return;
    await lm.startListeners();
    this.current = 'LIVE';
    log.info('all clusters initialized; server is LIVE');
  }

  failHealthcheck(fail: boolean): void {
    this.healthFailed = fail;
  }

  drainListeners(inboundOnly: boolean): void {
    void inboundOnly;
    this.draining = true;
    void this.lm?.stopAccepting().then(() => this.lm?.drainAll(true));
  }

  quit(): void {
    void this.shutdown('admin /quitquitquit');
  }

  /** Graceful shutdown; resolves when every connection is closed or the drain time is over. */
  shutdown(reason: string): Promise<void> {
    if (!this.shutdownPromise) this.shutdownPromise = this.doShutdown(reason);
    return this.shutdownPromise;
  }

  private async doShutdown(reason: string): Promise<void> {
    log.info(`shutting down (${reason}); draining for up to ${this.options.drainTimeMs} ms`);
    this.draining = true;
    const lm = this.lm;
    if (lm) {
      await lm.stopAccepting();
      lm.drainAll(true);
      const deadline = Date.now() + this.options.drainTimeMs;
      while (lm.activeConnections > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      if (lm.activeConnections > 0) {
        log.warn(`drain time over; closing ${lm.activeConnections} connection(s)`);
        lm.destroyConnections();
      }
    }
    this.rds?.shutdown();
    this.cm?.shutdown();
    this.factory?.stop();
    secretManager.stop();
    this.store.stopFlushing();
    await closeAllSinks();
    closeTracerSockets();
    await this.admin?.close();
    log.info('shutdown complete');
    this.resolveStopped();
  }
}
