/**
 * Active health checking (Envoy's HealthChecker): every host is probed on an interval over
 * HTTP (GET `path`, expecting a status in `expected_statuses`) or TCP (connect, optionally
 * send and expect bytes). `unhealthy_threshold` failures in a row mark a host
 * FAILED_ACTIVE_HC, `healthy_threshold` successes clear it; a host's very first check decides
 * at once. Until the cluster has seen traffic, the interval is `no_traffic_interval`.
 */
import http2 from 'node:http2';
import { connect } from 'node:net';
import { formatAddress } from '../config/address';
import type { HealthCheckConfig } from '../config/health-check';
import { RequestBody } from '../http/request-body';
import { Http1ClientConnection, type Http1ConnectionEvents } from '../upstream/http1-client-connection';
import type { ClusterStats } from './cluster-stats';
import { HealthFlag, type Host } from './host';

/** Probe connections are not the cluster's: they count in no pool. */
const PROBE_EVENTS: Http1ConnectionEvents = { onConnected() {}, onConnectFailed() {}, onClosed() {} };

export interface HealthCheckedCluster {
  readonly hosts: readonly Host[];
  /** True once the cluster has made an upstream connection (Envoy's "traffic"). */
  hasTraffic(): boolean;
  hostHealthChanged(host: Host, healthy: boolean): void;
}

const NO_BODY = new RequestBody(undefined, 0);

class HostSession {
  private timer: NodeJS.Timeout | undefined;
  private conn: Http1ClientConnection | undefined;
  private successes = 0;
  private failures = 0;
  checkedOnce = false;
  stopped = false;
  onFirst: (() => void) | undefined;

  constructor(
    readonly host: Host,
    private readonly checker: HealthChecker,
  ) {}

  start(delayMs: number): void {
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.conn?.destroy();
    this.conn = undefined;
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const { stats, config } = this.checker;
    stats.hc_attempt.inc();
    let ok: boolean;
    let network = false;
    try {
      ok = await this.probe();
    } catch {
      ok = false;
      network = true;
    }
    if (this.stopped) return;
    const wasHealthy = !(this.host.flags & HealthFlag.FAILED_ACTIVE_HC);
    const first = !this.checkedOnce;
    this.checkedOnce = true;
    if (ok) {
      stats.hc_success.inc();
      this.failures = 0;
      this.successes++;
      if (first || (!wasHealthy && this.successes >= config.healthyThreshold)) this.checker.setHealthy(this.host, true);
    } else {
      stats.hc_failure.inc();
      if (network) stats.hc_network_failure.inc();
      this.successes = 0;
      this.failures++;
      if (first || (wasHealthy && this.failures >= config.unhealthyThreshold))
        this.checker.setHealthy(this.host, false);
      if (!config.reuseConnection) {
        this.conn?.destroy();
        this.conn = undefined;
      }
    }
    if (first) this.onFirst?.();
    const healthyNow = !(this.host.flags & HealthFlag.FAILED_ACTIVE_HC);
    this.start(this.checker.nextInterval(healthyNow, healthyNow !== wasHealthy));
  }

  private withTimeout<T>(p: Promise<T>, onTimeout: () => void): Promise<T> {
    const ms = this.checker.config.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        onTimeout();
        reject(new Error('health check timeout'));
      }, ms);
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }

  private probe(): Promise<boolean> {
    const c = this.checker.config;
    const target = formatAddress(this.host.address, this.host.healthCheckPort);
    if (c.http?.codec === 'HTTP2') return this.probeHttp2(target);
    if (c.http) return this.probeHttp1();
    return this.probeTcp();
  }

  private statusOk(status: number): boolean {
    for (const [s, e] of this.checker.config.http!.expectedStatuses) if (status >= s && status < e) return true;
    return false;
  }

  private headers(): Record<string, string> {
    const h = this.checker.config.http!;
    const out: Record<string, string> = { 'user-agent': 'Envoy/HC' };
    for (const [k, v] of h.headers) out[k] = v;
    out.host = h.host ?? this.checker.clusterName;
    return out;
  }

  private probeHttp1(): Promise<boolean> {
    const c = this.checker.config;
    if (!this.conn || this.conn.closed || !c.reuseConnection) {
      this.conn?.destroy();
      this.conn = new Http1ClientConnection(
        {
          address: this.host.address,
          port: this.host.healthCheckPort,
          connectTimeoutMs: c.timeoutMs,
          idleTimeoutMs: 0,
        },
        PROBE_EVENTS,
      );
    }
    const conn = this.conn;
    const { host, ...headers } = this.headers();
    const p = new Promise<boolean>((resolve, reject) => {
      let status = 0;
      conn.send({
        spec: { method: 'GET', path: c.http!.path, authority: host, scheme: 'http', headers, body: NO_BODY },
        onStart() {},
        onHeaders: (s) => {
          status = s;
          return true;
        },
        onData: () => true,
        onComplete: () => resolve(this.statusOk(status)),
        onFailure: (_kind, message) => reject(new Error(message)),
      });
    });
    return this.withTimeout(p, () => conn.destroy());
  }

  private probeHttp2(target: string): Promise<boolean> {
    const session = http2.connect(`http://${target}`);
    const p = new Promise<boolean>((resolve, reject) => {
      session.on('error', reject);
      const req = session.request({ ':method': 'GET', ':path': this.checker.config.http!.path, ...this.headers() });
      req.on('response', (h) => {
        resolve(this.statusOk(Number(h[':status'])));
        req.close();
      });
      req.on('error', reject);
      req.end();
    });
    return this.withTimeout(p, () => session.destroy()).finally(() => session.close());
  }

  private probeTcp(): Promise<boolean> {
    const tcp = this.checker.config.tcp!;
    const sock = connect({ host: this.host.address, port: this.host.healthCheckPort });
    const p = new Promise<boolean>((resolve, reject) => {
      sock.on('error', reject);
      sock.on('connect', () => {
        if (tcp.send) sock.write(tcp.send);
        if (tcp.receive.length === 0) return resolve(true);
        const want = Buffer.concat(tcp.receive);
        let got = Buffer.alloc(0);
        sock.on('data', (d: Buffer) => {
          got = Buffer.concat([got, d]);
          if (got.includes(want)) resolve(true);
        });
        sock.on('end', () => resolve(got.includes(want)));
      });
    });
    return this.withTimeout(p, () => sock.destroy()).finally(() => sock.destroy());
  }
}

export class HealthChecker {
  private readonly sessions = new Map<Host, HostSession>();

  constructor(
    readonly config: HealthCheckConfig,
    readonly clusterName: string,
    private readonly cluster: HealthCheckedCluster,
    readonly stats: ClusterStats,
  ) {}

  /** Starts checking new hosts (marked unhealthy until their first check passes, as Envoy). */
  addHosts(hosts: readonly Host[]): Promise<void> {
    const firsts: Promise<void>[] = [];
    for (const h of hosts) {
      if (this.sessions.has(h)) continue;
      h.flags |= HealthFlag.FAILED_ACTIVE_HC | HealthFlag.PENDING_ACTIVE_HC;
      const s = new HostSession(h, this);
      this.sessions.set(h, s);
      firsts.push(new Promise<void>((resolve) => (s.onFirst = resolve)));
      s.start(Math.random() * this.config.initialJitterMs);
    }
    this.updateGauge();
    return Promise.all(firsts).then(() => undefined);
  }

  removeHosts(hosts: readonly Host[]): void {
    for (const h of hosts) {
      const s = this.sessions.get(h);
      if (!s) continue;
      s.stop();
      s.onFirst?.();
      this.sessions.delete(h);
    }
    this.updateGauge();
  }

  stop(): void {
    for (const s of this.sessions.values()) {
      s.stop();
      s.onFirst?.();
    }
    this.sessions.clear();
  }

  setHealthy(host: Host, healthy: boolean): void {
    const before = host.flags;
    host.flags &= ~HealthFlag.PENDING_ACTIVE_HC;
    if (healthy) host.flags &= ~HealthFlag.FAILED_ACTIVE_HC;
    else host.flags |= HealthFlag.FAILED_ACTIVE_HC;
    this.updateGauge();
    if (before !== host.flags) this.cluster.hostHealthChanged(host, healthy);
  }

  nextInterval(healthy: boolean, changed: boolean): number {
    const c = this.config;
    let base: number;
    if (!this.cluster.hasTraffic()) base = c.noTrafficIntervalMs;
    else if (changed) base = healthy ? c.healthyEdgeIntervalMs : c.unhealthyEdgeIntervalMs;
    else base = healthy ? c.intervalMs : c.unhealthyIntervalMs;
    const jitter = Math.random() * (c.intervalJitterMs + (base * c.intervalJitterPercent) / 100);
    return base + jitter;
  }

  private updateGauge(): void {
    let n = 0;
    for (const h of this.sessions.keys()) if (!(h.flags & HealthFlag.FAILED_ACTIVE_HC)) n++;
    this.stats.hc_healthy.set(n);
  }
}
