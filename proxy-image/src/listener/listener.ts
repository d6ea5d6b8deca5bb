/**
 * A listener at run time (Envoy's ActiveListener): a bound TCP socket whose accepted
 * connections go to the matching filter chain. An update replaces the chains with one
 * assignment: unchanged chains (same config) keep serving their connections; replaced ones
 * drain (Connection: close / GOAWAY) while new connections use the new chains.
 */
import { createServer, type Server } from 'node:net';
import { formatAddress } from '../config/address';
import type { ListenerConfig } from '../config/listener';
import { log } from '../log';
import type { Counter, Gauge } from '../stats/metric';
import type { StatsStore } from '../stats/store';
import { DownstreamConnection } from './downstream-connection';
import { type ChainDeps, FilterChain, FilterChainMatcher } from './filter-chain';
import { inspectTransport } from './tls-inspector';

export interface ListenerRuntime {
  readonly chains: readonly FilterChain[];
  readonly fallback: FilterChain | undefined;
  readonly matcher: FilterChainMatcher;
}

/** Builds (or reuses, by fingerprint) the chains for a listener config; nothing is bound. */
export function buildRuntime(config: ListenerConfig, deps: ChainDeps, previous?: ListenerRuntime): ListenerRuntime {
  const old = new Map<string, FilterChain>();
  for (const c of previous ? [...previous.chains, ...(previous.fallback ? [previous.fallback] : [])] : []) {
    old.set(c.config.fingerprint, c);
  }
  const make = (c: ListenerConfig['filterChains'][number]) => old.get(c.fingerprint) ?? new FilterChain(c, deps);
  const chains = config.filterChains.map(make);
  const fallback = config.defaultFilterChain ? make(config.defaultFilterChain) : undefined;
  return { chains, fallback, matcher: new FilterChainMatcher(chains, fallback) };
}

export function runtimeReady(rt: ListenerRuntime): Promise<void> {
  return Promise.all([...rt.chains, ...(rt.fallback ? [rt.fallback] : [])].map((c) => c.ready)).then(() => undefined);
}

export class ActiveListener {
  private server: Server | undefined;
  private readonly connections = new Set<DownstreamConnection>();
  boundPort = 0;
  accepting = false;
  lastUpdated = new Date();
  private cxTotal: Counter | undefined;
  private cxActive: Gauge | undefined;
  private noChain: Counter | undefined;
  private statPrefix = '';
  private lastNoChainLog = 0;

  constructor(
    public config: ListenerConfig,
    public runtime: ListenerRuntime,
    private readonly store: StatsStore,
    public versionInfo: string,
    readonly addedViaApi: boolean,
  ) {}

  get address(): string {
    return this.config.address.address;
  }

  /** Binds and starts accepting; rejects with a clear message (EADDRINUSE…). */
  bind(): Promise<void> {
    const server = createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.onConnection(socket));
    this.server = server;
    const { address, port } = this.config.address;
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        reject(
          new Error(
            `listener ${this.config.name}: cannot bind ${formatAddress(address, port)}: ${e.code ?? e.message}`,
          ),
        );
      });
      server.listen({ host: address, port, backlog: 1024 }, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => log.error(`listener ${this.config.name}: ${e.message}`));
        const a = server.address();
        this.boundPort = typeof a === 'object' && a ? a.port : port;
        this.accepting = true;
        const prefix = this.config.statPrefix || `${address}_${this.boundPort}`;
        this.statPrefix = prefix;
        this.cxTotal = this.store.counter(`listener.${prefix}.downstream_cx_total`);
        this.cxActive = this.store.gauge(`listener.${prefix}.downstream_cx_active`);
        this.noChain = this.store.counter(`listener.${prefix}.no_filter_chain_match`);
        log.info(`listener ${this.config.name} listening on ${formatAddress(address, this.boundPort)}`);
        resolve();
      });
    });
  }

  private onConnection(socket: import('node:net').Socket): void {
    socket.on('error', () => {});
    const conn = new DownstreamConnection(socket);
    conn.listenerStatPrefix = this.statPrefix;
    if (this.runtime.matcher.needsTransportProtocol) {
      // Chains differ by transport protocol: peek at the first byte before choosing (tls_inspector).
      inspectTransport(socket, (tp) => {
        conn.transportProtocol = tp;
        this.dispatch(conn);
      });
      return;
    }
    this.dispatch(conn);
  }

  private dispatch(conn: DownstreamConnection): void {
    const socket = conn.socket;
    const chain = this.runtime.matcher.select(conn);
    this.cxTotal?.inc();
    if (!chain) {
      this.noChain?.inc();
      // Logged at most once a second: a scan or a plaintext client on an mTLS-only listener.
      const now = Date.now();
      if (now - this.lastNoChainLog >= 1000) {
        this.lastNoChainLog = now;
        log.warn(
          `listener ${this.config.name}: connection from ${conn.remoteAddress}:${conn.remotePort} refused: no filter chain matches${conn.transportProtocol ? ` (transport ${conn.transportProtocol})` : ''}`,
        );
      }
      socket.destroy();
      return;
    }
    // The inspector paused the socket; the chain's handler (or TLS) takes it over flowing.
    if (conn.transportProtocol && !chain.config.tls) socket.resume();
    this.connections.add(conn);
    this.cxActive?.inc();
    socket.once('close', () => {
      this.connections.delete(conn);
      this.cxActive?.dec();
    });
    chain.handle(conn);
  }

  /** Swaps in a new config whose chains were already built and warmed. */
  update(config: ListenerConfig, runtime: ListenerRuntime, version: string): void {
    const before = this.runtime;
    this.config = config;
    this.runtime = runtime;
    this.versionInfo = version;
    this.lastUpdated = new Date();
    const kept = new Set([...runtime.chains, ...(runtime.fallback ? [runtime.fallback] : [])]);
    for (const c of [...before.chains, ...(before.fallback ? [before.fallback] : [])]) if (!kept.has(c)) c.drain();
  }

  /** Stops accepting new connections: the listening socket closes now, connections go on. */
  stopAccepting(): Promise<void> {
    this.accepting = false;
    // close()'s callback waits for every connection to end; not waiting here is the point.
    this.server?.close();
    return Promise.resolve();
  }

  /** Drains every connection, of current and replaced chains (`soon`: shutdown). */
  drain(soon = false): void {
    for (const c of [...this.runtime.chains, ...(this.runtime.fallback ? [this.runtime.fallback] : [])]) c.drain(soon);
    for (const c of this.connections) c.drain(soon);
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  /** End of the drain time: whatever is still open is closed. */
  destroyConnections(): void {
    for (const c of this.connections) c.destroy();
  }
}
