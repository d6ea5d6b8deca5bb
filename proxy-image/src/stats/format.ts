/**
 * The admin API's stat renderings, in Envoy's formats: `/stats` text (`name: value`, then
 * histograms as `P50(interval,cumulative)`), `/stats?format=json` and `/stats/prometheus`.
 */
import { DEFAULT_BUCKETS, type Histogram, SUPPORTED_QUANTILES } from './histogram';
import type { StatsStore } from './store';
import { extractTags, prometheusName } from './tags';

export type StatFilter = (name: string) => boolean;

const ALL: StatFilter = () => true;

function num(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function quantileLabel(q: number): string {
  return `P${Number((q * 100).toFixed(1))}`;
}

function histogramText(h: Histogram): string {
  if (h.count === 0) return `${h.name}: No recorded values`;
  const parts = SUPPORTED_QUANTILES.map(
    (q) => `${quantileLabel(q)}(${num(h.intervalQuantile(q))},${num(h.quantile(q))})`,
  );
  return `${h.name}: ${parts.join(' ')}`;
}

export function statsText(store: StatsStore, filter: StatFilter = ALL, usedOnly = false): string {
  const lines: string[] = [];
  for (const s of store.values()) {
    if (!filter(s.name) || (usedOnly && s.value === 0)) continue;
    lines.push(`${s.name}: ${s.value}`);
  }
  for (const h of store.histogramList()) {
    if (!filter(h.name) || (usedOnly && h.count === 0)) continue;
    lines.push(histogramText(h));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function statsJson(store: StatsStore, filter: StatFilter = ALL, usedOnly = false): unknown {
  const stats: unknown[] = [];
  for (const s of store.values()) {
    if (!filter(s.name) || (usedOnly && s.value === 0)) continue;
    stats.push({ name: s.name, value: s.value });
  }
  const computed: unknown[] = [];
  for (const h of store.histogramList()) {
    if (!filter(h.name) || (usedOnly && h.count === 0)) continue;
    computed.push({
      name: h.name,
      values: SUPPORTED_QUANTILES.map((q) => {
        const interval = h.intervalQuantile(q);
        const cumulative = h.quantile(q);
        return {
          interval: Number.isNaN(interval) ? null : interval,
          cumulative: Number.isNaN(cumulative) ? null : cumulative,
        };
      }),
    });
  }
  stats.push({
    histograms: { supported_quantiles: SUPPORTED_QUANTILES.map((q) => q * 100), computed_quantiles: computed },
  });
  return { stats };
}

function labels(tags: ReadonlyArray<readonly [string, string]>, extra?: string): string {
  const parts = tags.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function statsPrometheus(store: StatsStore, filter: StatFilter = ALL, usedOnly = false): string {
  // Group by metric name: Prometheus wants one TYPE line per family.
  const families = new Map<string, { type: string; lines: string[] }>();
  const family = (name: string, type: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { type, lines: [] }));
    return f;
  };
  for (const s of store.values()) {
    if (!filter(s.name) || (usedOnly && s.value === 0)) continue;
    const t = extractTags(s.name);
    const name = prometheusName(t.name);
    family(name, s.type).lines.push(`${name}${labels(t.tags)} ${s.value}`);
  }
  for (const h of store.histogramList()) {
    if (!filter(h.name) || (usedOnly && h.count === 0)) continue;
    const t = extractTags(h.name);
    const name = prometheusName(t.name);
    const f = family(name, 'histogram');
    let cumulative = 0;
    DEFAULT_BUCKETS.forEach((bound, i) => {
      cumulative += h.buckets[i];
      f.lines.push(`${name}_bucket${labels(t.tags, `le="${bound}"`)} ${cumulative}`);
    });
    f.lines.push(`${name}_bucket${labels(t.tags, 'le="+Inf"')} ${h.count}`);
    f.lines.push(`${name}_sum${labels(t.tags)} ${num(h.sum)}`);
    f.lines.push(`${name}_count${labels(t.tags)} ${h.count}`);
  }
  const out: string[] = [];
  for (const [name, f] of [...families].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`# TYPE ${name} ${f.type}`, ...f.lines, '');
  }
  return out.join('\n');
}
