/**
 * Traffic on every edge of the mesh, read from the proxies' own admin stats (what Linkerd's
 * viz and Envoy dashboards do): each caller's outbound cluster `outbound|<port>|<version>|<service>`
 * is an edge caller → service version; a gateway's HTTP listener is the edge clients → gateway.
 * Counters are sampled every second; rates are over the last few seconds, p99 is the proxy's
 * histogram over its last flush interval.
 */
import { request } from 'node:http';
import { LOOPBACK } from './port-allocator';

/** The source of edges from outside the mesh. */
export const CLIENTS = 'clients';

export interface EdgeStats {
  readonly from: string;
  /** `<service>/<version>` or a gateway's name. */
  readonly to: string;
  /** Requests (attempts, retries included) per second. */
  readonly rps: number;
  /** Share of 5xx responses over the window, 0..1. */
  readonly errorRate: number;
  /** Milliseconds; null before any request. */
  readonly p99: number | null;
  /** Since the proxy started. */
  readonly total: number;
  readonly errors: number;
  readonly retries: number;
}

interface Sample {
  readonly at: number;
  readonly total: number;
  readonly errors: number;
}

interface EdgeState {
  from: string;
  to: string;
  samples: Sample[];
  p99: number | null;
  retries: number;
}

const WINDOW_MS = 5000;
const P99_INDEX = 6; // SUPPORTED_QUANTILES[6] === 0.99

interface StatsJson {
  stats: Array<{ name?: string; value?: number; histograms?: { computed_quantiles: HistogramJson[] } }>;
}
interface HistogramJson {
  name: string;
  values: Array<{ interval: number | null; cumulative: number | null }>;
}

export function fetchJson<T>(port: number, path: string, timeoutMs = 1500): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ host: LOOPBACK, port, path, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (e) {
          reject(e);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const OUTBOUND =
  /^cluster\.outbound\|(\d+)\|([^|]*)\|([^.]+)\.(upstream_rq_total|upstream_rq_5xx|upstream_rq_retry|upstream_rq_time)$/;
const GATEWAY = /^http\.(gateway_\d+)\.(downstream_rq_total|downstream_rq_5xx|downstream_rq_time)$/;
const FILTER = encodeURIComponent('^(cluster\\.outbound|http\\.gateway_)');

export class TrafficStats {
  private readonly edges = new Map<string, EdgeState>();
  private timer: NodeJS.Timeout | undefined;

  /** @param proxies each proxy's name and admin port, read at every sample */
  constructor(
    private readonly proxies: () => ReadonlyArray<{ name: string; adminPort: number; kind: 'sidecar' | 'gateway' }>,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    const tick = async () => {
      await this.sample();
      this.timer = setTimeout(tick, this.intervalMs);
      this.timer.unref();
    };
    void tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  async sample(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      this.proxies().map(async (p) => {
        let json: StatsJson;
        try {
          json = await fetchJson<StatsJson>(p.adminPort, `/stats?format=json&filter=${FILTER}`);
        } catch {
          return; // Starting or stopped: its edges keep their last samples.
        }
        this.record(p.name, p.kind, json, now);
      }),
    );
  }

  edgeStats(): EdgeStats[] {
    const out: EdgeStats[] = [];
    for (const e of this.edges.values()) {
      const last = e.samples[e.samples.length - 1];
      const first = e.samples[0];
      const dt = (last.at - first.at) / 1000;
      const dTotal = last.total - first.total;
      const dErrors = last.errors - first.errors;
      out.push({
        from: e.from,
        to: e.to,
        rps: dt > 0 ? Math.max(0, dTotal / dt) : 0,
        errorRate: dTotal > 0 ? Math.max(0, dErrors / dTotal) : 0,
        p99: e.p99,
        total: last.total,
        errors: last.errors,
        retries: e.retries,
      });
    }
    return out.sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
  }

  private record(proxy: string, kind: 'sidecar' | 'gateway', json: StatsJson, now: number): void {
    const found = new Map<
      string,
      { from: string; to: string; total: number; errors: number; retries: number; p99: number | null }
    >();
    const edge = (from: string, to: string) => {
      const key = `${from}\u0000${to}`;
      let e = found.get(key);
      if (!e) found.set(key, (e = { from, to, total: 0, errors: 0, retries: 0, p99: null }));
      return e;
    };
    const take = (name: string, value: number | null, histogram: boolean) => {
      const o = OUTBOUND.exec(name);
      if (o) {
        const e = edge(proxy, `${o[3]}/${o[2]}`);
        if (histogram) e.p99 = value === null ? e.p99 : Math.max(e.p99 ?? 0, value);
        else if (o[4] === 'upstream_rq_total') e.total += value ?? 0;
        else if (o[4] === 'upstream_rq_5xx') e.errors += value ?? 0;
        else if (o[4] === 'upstream_rq_retry') e.retries += value ?? 0;
        return;
      }
      const g = kind === 'gateway' ? GATEWAY.exec(name) : null;
      if (g) {
        const e = edge(CLIENTS, proxy);
        if (histogram) e.p99 = value === null ? e.p99 : Math.max(e.p99 ?? 0, value);
        else if (g[2] === 'downstream_rq_total') e.total += value ?? 0;
        else if (g[2] === 'downstream_rq_5xx') e.errors += value ?? 0;
      }
    };
    for (const s of json.stats ?? []) {
      if (s.histograms) {
        for (const h of s.histograms.computed_quantiles) {
          const q = h.values[P99_INDEX];
          take(h.name, q ? (q.interval ?? q.cumulative) : null, true);
        }
      } else if (s.name !== undefined) {
        take(s.name, s.value ?? 0, false);
      }
    }
    for (const [key, f] of found) {
      let e = this.edges.get(key);
      if (!e) this.edges.set(key, (e = { from: f.from, to: f.to, samples: [], p99: null, retries: 0 }));
      // A restarted proxy starts from zero: begin a new window rather than report negative rates.
      const last = e.samples[e.samples.length - 1];
      if (last && f.total < last.total) e.samples = [];
      e.samples.push({ at: now, total: f.total, errors: f.errors });
      while (e.samples.length > 2 && now - e.samples[0].at > WINDOW_MS) e.samples.shift();
      e.p99 = f.p99;
      e.retries = f.retries;
    }
  }
}
