/**
 * The stats store: every counter, gauge and histogram by its Envoy name. Components ask for
 * their stats once (when a cluster or listener is built) and keep the objects; the admin
 * endpoints read the store. Histograms are flushed on Envoy's `stats_flush_interval` (5 s).
 */

import { Histogram } from './histogram';
import { Counter, Gauge } from './metric';

export class StatsStore {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();
  private flushTimer: NodeJS.Timeout | undefined;
  private sinkIntervals = false;

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = new Counter(name)));
    return c;
  }

  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) this.gauges.set(name, (g = new Gauge(name)));
    return g;
  }

  /** A gauge whose value is read from its owner when stats are printed. Replaces an older one. */
  computedGauge(name: string, read: () => number): Gauge {
    const g = new Gauge(name, read);
    this.gauges.set(name, g);
    return g;
  }

  histogram(name: string): Histogram {
    let h = this.histograms.get(name);
    if (!h) {
      h = new Histogram(name);
      if (this.sinkIntervals) h.trackSinkInterval();
      this.histograms.set(name, h);
    }
    return h;
  }

  /** Every histogram, now and later, keeps an interval for a stats sink (EMF). */
  trackSinkIntervals(): void {
    this.sinkIntervals = true;
    for (const h of this.histograms.values()) h.trackSinkInterval();
  }

  /** Stats under `prefix` (a removed cluster's computed gauges would otherwise pin it in memory). */
  removeComputed(prefix: string): void {
    for (const [name, g] of this.gauges) {
      if (name.startsWith(prefix) && g.computed) {
        this.gauges.set(name, new Gauge(name));
      }
    }
  }

  startFlushing(intervalMs: number): void {
    this.stopFlushing();
    this.flushTimer = setInterval(() => {
      for (const h of this.histograms.values()) h.flush();
    }, intervalMs);
    this.flushTimer.unref();
  }

  stopFlushing(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Counters and gauges, sorted by name. */
  values(): Array<{ name: string; value: number; type: 'counter' | 'gauge' }> {
    const out: Array<{ name: string; value: number; type: 'counter' | 'gauge' }> = [];
    for (const c of this.counters.values()) out.push({ name: c.name, value: c.value, type: 'counter' });
    for (const g of this.gauges.values()) out.push({ name: g.name, value: g.value, type: 'gauge' });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  histogramList(): Histogram[] {
    return [...this.histograms.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Value of one counter or gauge (0 when absent): for tests and the admin API. */
  valueOf(name: string): number | undefined {
    return this.counters.get(name)?.value ?? this.gauges.get(name)?.value;
  }
}
