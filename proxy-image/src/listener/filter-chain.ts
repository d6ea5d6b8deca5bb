/**
 * A filter chain at run time: its config and the network filter that serves its connections
 * (an HTTP connection manager or a TCP proxy). Chain selection follows Envoy's order of
 * criteria, most specific match first: destination port, destination IP,
 * transport protocol, source type, source IP, source port. A chain with a TLS transport socket
 * runs the handshake (and the peer check) before its network filter sees the connection.
 */
import type { ClusterManager } from '../cluster/cluster-manager';
import type { CidrRange, FilterChainConfig } from '../config/listener';
import { HttpConnectionManager } from '../http/connection-manager';
import { AddressSet, DEFAULT_INTERNAL, parseCidr } from '../http/internal-address';
import { NetworkRbacFilter } from '../network/rbac';
import { TcpProxy } from '../network/tcp-proxy';
import type { RouteConfigProvider, RouteConfigProviderManager } from '../router/route-config-provider';
import type { StatsStore } from '../stats/store';
import { ServerTlsContext } from '../tls/server-tls-context';
import { SslStats } from '../tls/ssl-stats';
import type { DownstreamConnection } from './downstream-connection';

export interface ChainDeps {
  readonly clusterManager: ClusterManager;
  readonly store: StatsStore;
  readonly rds: RouteConfigProviderManager;
}

export class FilterChain {
  readonly handler: HttpConnectionManager | TcpProxy;
  readonly rds: RouteConfigProvider | undefined;
  readonly tls: ServerTlsContext | undefined;
  private readonly rbac: readonly NetworkRbacFilter[];
  private sslStats: SslStats | undefined;
  draining = false;

  constructor(
    readonly config: FilterChainConfig,
    private readonly deps: ChainDeps,
  ) {
    this.tls = config.tls ? new ServerTlsContext(config.tls) : undefined;
    this.rbac = config.rbac.map((r) => new NetworkRbacFilter(r, deps.store));
    const f = config.filter;
    if (f.kind === 'hcm') {
      const routes = f.hcm.routes;
      this.rds = routes.kind === 'rds' ? deps.rds.provider(routes.source, routes.name) : undefined;
      this.handler = new HttpConnectionManager(f.hcm, deps.clusterManager, deps.store, this.rds);
    } else {
      this.handler = new TcpProxy(f.tcp, deps.clusterManager, deps.store);
    }
  }

  /** Resolves when the chain can serve (its RDS route config arrived or timed out). */
  get ready(): Promise<void> {
    return Promise.all([this.rds?.ready, this.tls?.ready]).then(() => undefined);
  }

  handle(conn: DownstreamConnection): void {
    if (!this.tls) {
      this.serve(conn);
      return;
    }
    this.sslStats ??= new SslStats(this.deps.store, `listener.${conn.listenerStatPrefix}.`);
    void this.tls.handshake(conn.socket, this.sslStats, `listener ${conn.listenerStatPrefix}`).then((done) => {
      if (!done) return;
      conn.socket = done.socket;
      conn.peer = done.peer;
      this.serve(conn);
    });
  }

  /** Network filters in order: RBAC (may close the connection), then the final filter. */
  private serve(conn: DownstreamConnection): void {
    for (const r of this.rbac) if (!r.check(conn)) return;
    this.handler.handle(conn);
  }

  drain(soon = false): void {
    this.draining = true;
    this.tls?.stop();
    this.handler.drain(soon);
  }

  get activeConnections(): number {
    return this.handler.activeConnections;
  }
}

function ranges(list: readonly CidrRange[]): AddressSet | undefined {
  return list.length ? new AddressSet(list.map((r) => parseCidr(r.prefix, r.bits)!)) : undefined;
}

function longestMatch(list: readonly CidrRange[], set: AddressSet | undefined, ip: string): number {
  if (!set?.has(ip)) return -1;
  let best = -1;
  for (const r of list) if (new AddressSet([parseCidr(r.prefix, r.bits)!]).has(ip)) best = Math.max(best, r.bits);
  return best;
}

/** Picks the chain for a connection, or the default chain, or none (the connection is closed). */
export class FilterChainMatcher {
  private readonly entries: Array<{
    chain: FilterChain;
    dst: AddressSet | undefined;
    src: AddressSet | undefined;
  }>;

  constructor(
    chains: readonly FilterChain[],
    private readonly fallback: FilterChain | undefined,
  ) {
    this.entries = chains.map((chain) => ({
      chain,
      dst: ranges(chain.config.match.prefixRanges),
      src: ranges(chain.config.match.sourcePrefixRanges),
    }));
  }

  /** Some chain matches on transport protocol, so connections are inspected first. */
  get needsTransportProtocol(): boolean {
    return this.entries.some((e) => e.chain.config.match.transportProtocol !== '');
  }

  select(conn: DownstreamConnection): FilterChain | undefined {
    let candidates = this.entries;
    if (candidates.length === 1 && isWildcard(candidates[0].chain)) return candidates[0].chain;
    // Each criterion narrows: chains that name it and match beat chains that do not name it.
    const narrow = (
      specified: (e: (typeof candidates)[number]) => boolean,
      score: (e: (typeof candidates)[number]) => number,
    ) => {
      const named = candidates.filter((e) => specified(e) && score(e) >= 0);
      if (named.length) {
        const best = Math.max(...named.map(score));
        candidates = named.filter((e) => score(e) === best);
      } else candidates = candidates.filter((e) => !specified(e));
    };
    narrow(
      (e) => e.chain.config.match.destinationPort !== undefined,
      (e) => (e.chain.config.match.destinationPort === conn.localPort ? 0 : -1),
    );
    narrow(
      (e) => e.dst !== undefined,
      (e) => longestMatch(e.chain.config.match.prefixRanges, e.dst, conn.localAddress),
    );
    narrow(
      (e) => e.chain.config.match.transportProtocol !== '',
      (e) => (e.chain.config.match.transportProtocol === conn.transportProtocol ? 0 : -1),
    );
    narrow(
      (e) => e.chain.config.match.sourceType !== 'ANY',
      (e) => {
        const local = conn.remoteAddress === conn.localAddress || DEFAULT_INTERNAL.has(conn.remoteAddress);
        const t = e.chain.config.match.sourceType;
        return (t === 'SAME_IP_OR_LOOPBACK') === local ? 0 : -1;
      },
    );
    narrow(
      (e) => e.src !== undefined,
      (e) => longestMatch(e.chain.config.match.sourcePrefixRanges, e.src, conn.remoteAddress),
    );
    narrow(
      (e) => e.chain.config.match.sourcePorts.length > 0,
      (e) => (e.chain.config.match.sourcePorts.includes(conn.remotePort) ? 0 : -1),
    );
    return candidates[0]?.chain ?? this.fallback;
  }
}

function isWildcard(c: FilterChain): boolean {
  const m = c.config.match;
  return (
    m.destinationPort === undefined &&
    m.prefixRanges.length === 0 &&
    m.sourcePrefixRanges.length === 0 &&
    m.sourcePorts.length === 0 &&
    m.sourceType === 'ANY' &&
    m.transportProtocol === ''
  );
}
