/**
 * Rewrites a run's markdown and SVG from its raw figures (bench/results/raw/<name>.json), so the
 * report's shape can change without rerunning a 13-minute benchmark.
 *
 *   npx tsx bench/render.ts bench/results/raw/<name>.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { renderChart } from './chart';
import type { LatencyRounds } from './latency-rounds';
import type { Machine } from './machine';
import { renderReport } from './report';
import type { ScenarioResult, Timing } from './scenario';
import { SMALL_BODY } from './upstream';

export interface RawRun {
  readonly machine: Machine;
  readonly timing: Timing;
  readonly results: ScenarioResult[];
  readonly date: string;
  readonly quick: boolean;
  readonly load: [number, number];
  readonly compile: string;
  /** Absent in runs from before 2026-12-08. */
  readonly rounds?: LatencyRounds;
}

export const RATES = [500, 1000, 2000] as const;

/** Writes `<name>.md` and `<name>.svg` into `outDir`; returns the markdown. */
export function writeResults(raw: RawRun, outDir: string, name: string): string {
  const chart = `${name}.svg`;
  const title = `Proxies on ${raw.machine.cpu}, ${raw.machine.cores} cores (${raw.date})`;
  writeFileSync(join(outDir, chart), renderChart(raw.results, title));
  const report = renderReport({
    date: raw.date,
    machine: raw.machine,
    results: raw.results,
    rates: RATES,
    timing: raw.timing,
    quick: raw.quick,
    smallBytes: Buffer.byteLength(SMALL_BODY),
    chart,
    load: raw.load,
    rounds: raw.rounds,
  });
  const md = `${report}\n## Compiler (bench/compile.ts${raw.quick ? ' 200' : ''})\n\n\`\`\`\n${raw.compile}\n\`\`\`\n`;
  writeFileSync(join(outDir, `${name}.md`), md);
  return md;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: render.ts <bench/results/raw/<name>.json>');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawRun;
  const name = basename(file, '.json');
  process.stdout.write(writeResults(raw, dirname(dirname(file)), name));
}
