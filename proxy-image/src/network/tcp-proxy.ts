/**
 * The TCP proxy network filter (Envoy's `tcp_proxy`): each downstream connection is joined to
 * a connection to a host of the chosen cluster (weighted split across clusters), bytes flow
 * both ways with backpressure, and either side's close or the idle timeout ends both.
 */
import { connect, type Socket } from 'node:net';
import type { Cluster } from '../cluster/cluster';
import type { ClusterManager } from '../cluster/cluster-manager';
import type { TcpProxyConfig } from '../config/tcp-proxy';
import { ResponseFlag } from '../http/response-flags';
import { StreamInfo } from '../http/stream-info';
import type { DownstreamConnection } from '../listener/downstream-connection';
import type { Counter, Gauge } from '../stats/metric';
import type { StatsStore } from '../stats/store';

export class TcpProxy {
  private readonly cxTotal: Counter;
  private readonly cxActive: Gauge;
  private readonly rxBytes: Counter;
  private readonly txBytes: Counter;
  private readonly idleTimeout: Counter;
  private readonly noRoute: Counter;
  private readonly connections = new Set<DownstreamConnection>();

  constructor(
    readonly config: TcpProxyConfig,
    private readonly clusterManager: ClusterManager,
    store: StatsStore,
  ) {
    const p = `tcp.${config.statPrefix}.`;
    this.cxTotal = store.counter(`${p}downstream_cx_total`);
    this.cxActive = store.gauge(`${p}downstream_cx_active`);
    this.rxBytes = store.counter(`${p}downstream_cx_rx_bytes_total`);
    this.txBytes = store.counter(`${p}downstream_cx_tx_bytes_total`);
    this.idleTimeout = store.counter(`${p}idle_timeout`);
    this.noRoute = store.counter(`${p}downstream_cx_no_route`);
  }

  private pickCluster(): string {
    const cs = this.config.clusters;
    if (cs.length === 1) return cs[0].name;
    let r = Math.random() * this.config.totalWeight;
    for (const c of cs) {
      r -= c.weight;
      if (r < 0) return c.name;
    }
    return cs[cs.length - 1].name;
  }

  handle(conn: DownstreamConnection): void {
    const down = conn.socket;
    this.connections.add(conn);
    this.cxTotal.inc();
    this.cxActive.inc();
    const info = new StreamInfo(
      '',
      undefined,
      conn.remoteAddress,
      conn.remotePort,
      conn.localAddress,
      conn.localPort,
      conn.id,
    );
    down.pause();
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      this.connections.delete(conn);
      this.cxActive.dec();
      info.end = performance.now();
      for (const l of this.config.accessLogs) l.log(info);
    };
    down.once('close', finish);
    down.on('error', () => {});
    const cluster = this.clusterManager.get(this.pickCluster());
    if (!cluster) {
      this.noRoute.inc();
      info.setFlag(ResponseFlag.NoClusterFound);
      down.destroy();
      return;
    }
    info.upstreamCluster = cluster.name;
    this.connectUpstream(cluster, conn, info, 1);
  }

  private connectUpstream(cluster: Cluster, conn: DownstreamConnection, info: StreamInfo, attempt: number): void {
    const down = conn.socket;
    if (down.destroyed) return;
    const host = cluster.chooseHost(undefined);
    if (!host) {
      cluster.stats.upstream_cx_none_healthy.inc();
      info.setFlag(ResponseFlag.NoHealthyUpstream);
      down.destroy();
      return;
    }
    if (!cluster.resources.connections.canCreate()) {
      cluster.stats.upstream_cx_overflow.inc();
      info.setFlag(ResponseFlag.UpstreamOverflow);
      down.destroy();
      return;
    }
    cluster.resources.connections.inc();
    info.upstreamHost = host.key;
    const up: Socket = connect({ host: host.address, port: host.port, noDelay: true });
    let connected = false;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      cluster.resources.connections.dec();
      if (connected) {
        cluster.stats.upstream_cx_active.dec();
        host.cxActive--;
      }
    };
    const timer = setTimeout(() => {
      cluster.stats.upstream_cx_connect_timeout.inc();
      up.destroy(new Error('connect timeout'));
    }, cluster.config.connectTimeoutMs);
    up.on('error', () => {});
    up.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      cluster.stats.upstream_cx_total.inc();
      cluster.stats.upstream_cx_active.inc();
      host.cxTotal++;
      host.cxActive++;
      info.upstreamLocalAddress = `${up.localAddress}:${up.localPort}`;
      this.pipe(down, up, info);
    });
    up.once('close', () => {
      clearTimeout(timer);
      release();
      if (!connected) {
        cluster.stats.upstream_cx_connect_fail.inc();
        host.cxConnectFail++;
        cluster.outlier?.report(host, 503, true);
        if (attempt < this.config.maxConnectAttempts && !down.destroyed) {
          this.connectUpstream(cluster, conn, info, attempt + 1);
          return;
        }
        info.setFlag(ResponseFlag.UpstreamConnectionFailure);
        down.destroy();
      } else if (!down.destroyed) down.end();
    });
  }

  private pipe(down: Socket, up: Socket, info: StreamInfo): void {
    down.on('data', (d: Buffer) => {
      info.bytesReceived += d.length;
      this.rxBytes.add(d.length);
    });
    up.on('data', (d: Buffer) => {
      info.bytesSent += d.length;
      this.txBytes.add(d.length);
    });
    down.pipe(up);
    up.pipe(down);
    down.once('close', () => up.destroy());
    const idle = this.config.idleTimeoutMs;
    if (idle > 0) {
      const onIdle = () => {
        this.idleTimeout.inc();
        down.destroy();
        up.destroy();
      };
      // Idle means neither direction moved: both sockets' timers must expire.
      let downIdle = false;
      let upIdle = false;
      down.setTimeout(idle, () => {
        downIdle = true;
        if (upIdle) onIdle();
      });
      up.setTimeout(idle, () => {
        upIdle = true;
        if (downIdle) onIdle();
      });
      down.on('data', () => (downIdle = false));
      up.on('data', () => (upIdle = false));
    }
    down.resume();
  }

  drain(soon = false): void {
    for (const c of this.connections) c.drain(soon);
  }

  get activeConnections(): number {
    return this.connections.size;
  }
}
