/**
 * RDS (Envoy's RouteConfigProviderManager): route configurations by (config source, name),
 * shared by every connection manager that names them. An update compiles every route table
 * first and then swaps each provider's table with one assignment; requests that already chose
 * a route keep it.
 */
import { parseResources } from '../cluster/cluster-manager';
import type { ConfigSourceSpec } from '../config/config-source';
import type { StatsStore } from '../stats/store';
import { DiscoveryApi } from '../xds/discovery-api';
import type { Subscription } from '../xds/subscription';
import type { SubscriptionFactory } from '../xds/subscription-factory';
import { parseRouteConfiguration, type RouteTable } from './route-table';

const ROUTE_TYPE = 'envoy.config.route.v3.RouteConfiguration';

export class RouteConfigProvider {
  table: RouteTable | undefined;
  versionInfo = '';
  lastUpdated: Date | undefined;
  private resolveReady!: () => void;
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    readonly source: ConfigSourceSpec,
  ) {
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
  }

  set(table: RouteTable, version: string): void {
    this.table = table;
    this.versionInfo = version;
    this.lastUpdated = new Date();
    this.resolveReady();
  }

  /** initial_fetch_timeout passed: listeners warm anyway, and requests get 404 until routes come. */
  giveUp(): void {
    this.resolveReady();
  }
}

interface Source {
  readonly sub: Subscription;
  readonly api: DiscoveryApi;
  readonly providers: Map<string, RouteConfigProvider>;
}

export class RouteConfigProviderManager {
  private readonly sources = new Map<string, Source>();

  constructor(
    private readonly store: StatsStore,
    private readonly factory: SubscriptionFactory,
  ) {}

  provider(source: ConfigSourceSpec, name: string): RouteConfigProvider {
    const key = JSON.stringify(source);
    let s = this.sources.get(key);
    if (!s) {
      const providers = new Map<string, RouteConfigProvider>();
      const api = new DiscoveryApi(this.store, 'rds.', ROUTE_TYPE, 'rds', (resources, version) => {
        const tables = parseResources(resources, 'rds', (f) => parseRouteConfiguration(f, false));
        for (const t of tables) providers.get(t.name)?.set(t, version);
      });
      const sub = this.factory.subscribe(source, ROUTE_TYPE, api);
      s = { sub, api, providers };
      this.sources.set(key, s);
      const p = new RouteConfigProvider(name, source);
      providers.set(name, p);
      this.armTimeout(p);
      sub.start([name]);
      return p;
    }
    let p = s.providers.get(name);
    if (!p) {
      p = new RouteConfigProvider(name, source);
      s.providers.set(name, p);
      this.armTimeout(p);
      s.sub.updateNames([...s.providers.keys()]);
    }
    return p;
  }

  private armTimeout(p: RouteConfigProvider): void {
    const ms = p.source.initialFetchTimeoutMs;
    if (ms > 0) setTimeout(() => p.giveUp(), ms).unref();
  }

  providers(): RouteConfigProvider[] {
    return [...this.sources.values()].flatMap((s) => [...s.providers.values()]);
  }

  shutdown(): void {
    for (const s of this.sources.values()) {
      s.sub.stop();
      s.api.stop();
    }
  }
}
