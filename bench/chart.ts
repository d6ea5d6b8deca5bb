/**
 * The results as a hand-written SVG (no charting dependency): two panels of horizontal bars,
 * maximum throughput and added p99 latency at 1,000 rps, each target with an HTTP/1.1 and an
 * HTTP/2 bar, one hop, small body.
 */
import type { ScenarioResult } from './scenario';

interface Bar {
  readonly label: string;
  readonly h1?: number;
  readonly h2?: number;
}

const COLORS = { h1: '#3b6ea5', h2: '#e08a2c' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(title: string, unit: string, bars: Bar[], y0: number, width: number): { svg: string; height: number } {
  const labelW = 170;
  const plotW = width - labelW - 90;
  const rowH = 30;
  const values = bars.flatMap((b) => [b.h1, b.h2]).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const top = Math.max(...values, 0) || 1;
  const parts = [`<text x="10" y="${y0 + 18}" font-size="15" font-weight="bold">${esc(title)}</text>`];
  bars.forEach((b, i) => {
    const y = y0 + 30 + i * rowH;
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" font-size="12" text-anchor="end">${esc(b.label)}</text>`);
    (['h1', 'h2'] as const).forEach((p, k) => {
      const v = b[p];
      if (v === undefined || !Number.isFinite(v)) return;
      const w = Math.max(1, (Math.max(0, v) / top) * plotW);
      const by = y + k * 12;
      parts.push(`<rect x="${labelW}" y="${by}" width="${w.toFixed(1)}" height="11" fill="${COLORS[p]}"/>`);
      const text = unit === 'rps' ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
      parts.push(`<text x="${labelW + w + 4}" y="${by + 9}" font-size="10">${text} ${unit}</text>`);
    });
  });
  return { svg: parts.join('\n'), height: 40 + bars.length * rowH };
}

export function renderChart(results: readonly ScenarioResult[], title: string): string {
  const width = 760;
  const oneHop = results.filter((r) => r.hops === 1 && r.body === 'small' && !r.error);
  const names = [...new Set(oneHop.map((r) => r.target))];
  const get = (t: string, p: 'h1' | 'h2') => oneHop.find((r) => r.target === t && r.protocol === p);
  const throughput = names.map((t) => ({ label: t, h1: get(t, 'h1')?.max?.rps, h2: get(t, 'h2')?.max?.rps }));
  const p99 = (t: string, p: 'h1' | 'h2') => {
    const d = get('direct', p)?.fixed.find((x) => x.rate === 1000);
    const r = get(t, p)?.fixed.find((x) => x.rate === 1000);
    return d && r ? r.latency.p99 - d.latency.p99 : undefined;
  };
  const latency = names.filter((t) => t !== 'direct').map((t) => ({ label: t, h1: p99(t, 'h1'), h2: p99(t, 'h2') }));
  const a = panel('Maximum throughput (higher is better)', 'rps', throughput, 40, width);
  const b = panel('Added p99 latency at 1,000 rps (lower is better)', 'ms', latency, 40 + a.height + 20, width);
  const height = 40 + a.height + 20 + b.height + 30;
  const legendY = height - 14;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="16" font-weight="bold">${esc(title)}</text>
${a.svg}
${b.svg}
<rect x="10" y="${legendY - 10}" width="12" height="12" fill="${COLORS.h1}"/><text x="26" y="${legendY}" font-size="12">HTTP/1.1</text>
<rect x="100" y="${legendY - 10}" width="12" height="12" fill="${COLORS.h2}"/><text x="116" y="${legendY}" font-size="12">HTTP/2 (h2c)</text>
</svg>
`;
}
