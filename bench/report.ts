/**
 * The results as markdown: added latency over direct at each fixed rate, maximum throughput,
 * CPU seconds per 1,000 requests and peak RSS, two hops, the 64 KiB body, and Trellis's ratios
 * against its peers from the same run.
 */
import { type LatencyRounds, type RoundsSummary, summarizeRounds } from './latency-rounds';
import type { Machine } from './machine';
import type { Protocol } from './open-loop';
import type { Body, FixedRun, ScenarioResult } from './scenario';

const PROTOCOL: Record<Protocol, string> = { h1: 'HTTP/1.1', h2: 'HTTP/2 (h2c)' };

const f = (n: number | undefined, digits = 2) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const int = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US');

function find(results: readonly ScenarioResult[], target: string, protocol: Protocol, hops: number, body: Body) {
  return results.find((r) => r.target === target && r.protocol === protocol && r.hops === hops && r.body === body);
}

function at(r: ScenarioResult | undefined, rate: number): FixedRun | undefined {
  return r?.fixed.find((x) => x.rate === rate);
}

/** Added latency over direct at one rate: "p50 / p99 / p99.9" in ms, divided by `per` hops. */
function added(r: ScenarioResult, direct: ScenarioResult | undefined, rate: number, per = 1): string {
  const a = at(r, rate);
  const d = at(direct, rate);
  if (!a || !d) return '—';
  const cell = (k: 'p50' | 'p99' | 'p999') => f((a.latency[k] - d.latency[k]) / per);
  return `${cell('p50')} / ${cell('p99')} / ${cell('p999')}`;
}

function absolute(r: ScenarioResult | undefined, rate: number): string {
  const a = at(r, rate);
  return a ? `${f(a.latency.p50)} / ${f(a.latency.p99)} / ${f(a.latency.p999)}` : '—';
}

function failures(r: ScenarioResult): number {
  return r.fixed.reduce((s, x) => s + x.failed, 0) + (r.max?.failed ?? 0);
}

export interface ReportInput {
  readonly date: string;
  readonly machine: Machine;
  readonly results: readonly ScenarioResult[];
  readonly rates: readonly number[];
  readonly timing: { warmS: number; fixedS: number; maxS: number };
  readonly quick: boolean;
  readonly smallBytes: number;
  readonly chart?: string;
  /** 1-minute load average at the start and the end: other work on the machine skews everything. */
  readonly load: readonly [number, number];
  /** HTTP/1.1 at 1,000 rps again, in interleaved rounds (bench/latency-rounds.ts). */
  readonly rounds?: LatencyRounds;
}

/**
 * Trellis ÷ each peer, by `measure`: the maximum rate seen, or requests per CPU-second at that
 * rate (1,000 ÷ CPU s per 1,000 requests), which neighbours on a shared machine disturb less.
 */
export function ratios(
  results: readonly ScenarioResult[],
  protocol: Protocol,
  measure: 'rate' | 'cpu' = 'rate',
): Record<string, number> {
  const value = (t: string) => {
    const max = find(results, t, protocol, 1, 'small')?.max;
    if (!max) return Number.NaN;
    return measure === 'rate' ? max.rps : 1000 / max.cpuPer1000;
  };
  const trellis = value('Trellis');
  const peers = [value('http-proxy'), value('@fastify/http-proxy')].filter(Number.isFinite);
  return {
    'best Node peer': peers.length ? trellis / Math.max(...peers) : Number.NaN,
    nginx: trellis / value('nginx'),
    HAProxy: trellis / value('HAProxy'),
  };
}

export function renderReport(o: ReportInput): string {
  const { results, rates, machine: m } = o;
  const out: string[] = [];
  out.push(`# Proxy benchmark, ${o.date}${o.quick ? ' (quick run: short durations, indicative only)' : ''}`, '');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}; Node.js ${m.node}; nginx ${m.nginx}; ${m.haproxy}.`,
    '',
  );
  out.push(
    `Load average (1 min) at start ${o.load[0].toFixed(2)}, at end ${o.load[1].toFixed(2)} on ${m.cores} cores: ` +
      'compare targets within this run (ratios), not absolute figures across runs.',
    '',
  );
  out.push(
    `Method: every target on 127.0.0.1 in front of one upstream (nginx serving a ${o.smallBytes}-byte body and a 64 KiB ` +
      'body from static files). Fixed rates are open loop: each request is due at its intended send time and its latency ' +
      'counts from then (wrk2/Fortio style), from a Node client (undici Pool for HTTP/1.1, one h2c session for HTTP/2). ' +
      `Each fixed-rate run lasts ${o.timing.fixedS} s after a ${o.timing.warmS} s warm-up; maximum rate is closed loop ` +
      `for ${o.timing.maxS} s with wrk (64 connections) or h2load (8 connections × 16 streams). CPU is user + system ` +
      'time of the target process tree from /proc; RSS is VmRSS once it has not moved for 30 s ("idle") and VmHWM at the end ("peak"). ' +
      'Trellis runs as its image does: the `npm run build` payload with the Node flags and malloc settings of ' +
      'proxy-image/src/process-settings.ts. ' +
      'Every target gets one worker (nginx worker_processes 1, HAProxy nbthread 1, Node one event loop); hop to hop and ' +
      'to the upstream is keep-alive HTTP/1.1. Latency in ms.',
    '',
  );

  for (const protocol of ['h1', 'h2'] as const) {
    const direct = find(results, 'direct', protocol, 1, 'small');
    const rows = results.filter((r) => r.protocol === protocol && r.hops === 1 && r.body === 'small');
    if (!rows.length) continue;
    out.push(`## ${PROTOCOL[protocol]}, one hop, small body`, '');
    out.push(
      `| target | ${rates.map((r) => `added p50 / p99 / p99.9 at ${r.toLocaleString('en-US')} rps`).join(' | ')} | max rps | CPU s per 1,000 req (1,000 rps / max) | idle RSS MiB | peak RSS MiB | failed |`,
    );
    out.push(`| --- | ${rates.map(() => '---').join(' | ')} | --- | --- | --- | --- | --- |`);
    for (const r of rows) {
      if (r.error) {
        out.push(`| ${r.target} | error: ${r.error.split('\n')[0]} |`);
        continue;
      }
      const cells =
        r.target === 'direct'
          ? rates.map((rate) => `(absolute) ${absolute(r, rate)}`)
          : rates.map((rate) => added(r, direct, rate));
      const cpu = `${f(at(r, 1000)?.cpuPer1000, 3)} / ${f(r.max?.cpuPer1000, 3)}`;
      out.push(
        `| ${r.target} | ${cells.join(' | ')} | ${int(r.max?.rps)} | ${cpu} | ${f(r.idleRssMiB, 1)} | ${f(r.peakRssMiB, 1)} | ${failures(r)} |`,
      );
    }
    out.push('');
  }

  const twoHop = results.filter((r) => r.hops === 2);
  if (twoHop.length) {
    out.push('## Two hops (sidecar to sidecar), small body, 1,000 rps', '');
    out.push(
      '| target | protocol | added p50 / p99 / p99.9, both hops | per hop | max rps | CPU s per 1,000 req, both | peak RSS MiB, both | failed |',
    );
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of twoHop) {
      if (r.error) {
        out.push(`| ${r.target} | ${PROTOCOL[r.protocol]} | error: ${r.error.split('\n')[0]} |`);
        continue;
      }
      const direct = find(results, 'direct', r.protocol, 1, 'small');
      out.push(
        `| ${r.target} | ${PROTOCOL[r.protocol]} | ${added(r, direct, 1000)} | ${added(r, direct, 1000, 2)} | ${int(r.max?.rps)} | ${f(at(r, 1000)?.cpuPer1000, 3)} | ${f(r.peakRssMiB, 1)} | ${failures(r)} |`,
      );
    }
    out.push('');
  }

  const large = results.filter((r) => r.body === '64k');
  if (large.length) {
    const direct = find(results, 'direct', 'h1', 1, '64k');
    out.push('## 64 KiB body, HTTP/1.1, one hop, 1,000 rps', '');
    out.push('| target | added p50 / p99 / p99.9 | max rps | CPU s per 1,000 req | peak RSS MiB | failed |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    for (const r of large) {
      if (r.error) {
        out.push(`| ${r.target} | error: ${r.error.split('\n')[0]} |`);
        continue;
      }
      const lat = r.target === 'direct' ? `(absolute) ${absolute(r, 1000)}` : added(r, direct, 1000);
      out.push(
        `| ${r.target} | ${lat} | ${int(r.max?.rps)} | ${f(at(r, 1000)?.cpuPer1000, 3)} | ${f(r.peakRssMiB, 1)} | ${failures(r)} |`,
      );
    }
    out.push('');
  }

  out.push("## Trellis's ratios (one hop, small body)", '');
  out.push(
    'By maximum rate, and by requests per CPU-second at maximum rate (steadier when neighbours share the cores).',
    '',
  );
  out.push(
    '| protocol | measure | ÷ best Node peer (target ≥ 1.5) | ÷ nginx | ÷ HAProxy |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const protocol of ['h1', 'h2'] as const) {
    for (const measure of ['rate', 'cpu'] as const) {
      const q = ratios(results, protocol, measure);
      const label = measure === 'rate' ? 'max rps' : 'requests per CPU-second';
      out.push(`| ${PROTOCOL[protocol]} | ${label} | ${f(q['best Node peer'])} | ${f(q.nginx)} | ${f(q.HAProxy)} |`);
    }
  }
  out.push('');
  const t = find(results, 'Trellis', 'h1', 1, 'small');
  const d = find(results, 'direct', 'h1', 1, 'small');
  const t1k = at(t, 1000);
  const d1k = at(d, 1000);
  const roundsRun = o.rounds;
  const rounds = roundsRun ? summarizeRounds(roundsRun) : [];
  if (roundsRun) out.push(...roundsTable(roundsRun, rounds));
  const inRounds = rounds.find((r) => r.target === 'Trellis');
  if (t1k && d1k && t) {
    const single = `${f(t1k.latency.p50 - d1k.latency.p50)} / ${f(t1k.latency.p99 - d1k.latency.p99)}`;
    const latency = inRounds
      ? `added p50 ${f(inRounds.added.p50)} ms (aim ≤ 0.3) and p99 ${f(inRounds.added.p99)} ms (aim ≤ 1), ` +
        `medians of ${roundsRun?.rounds.length} interleaved rounds (the single run in the first table: ${single})`
      : `added p50 / p99 ${single} ms (aims ≤ 0.3 / ≤ 1)`;
    out.push(
      `Issue 8's targets, HTTP/1.1 at 1,000 rps: ${latency}; idle RSS ${f(t.idleRssMiB, 1)} MiB (aim ≤ 60); ` +
        `maximum rate ${f(ratios(results, 'h1')['best Node peer'])}× the best Node peer (aim ≥ 1.5).`,
      '',
    );
  }
  const lag = Math.max(...results.flatMap((r) => r.fixed.map((x) => x.maxSendLagMs)));
  out.push(
    `The load generator's worst lateness sending a request was ${f(lag)} ms; latencies include it, as an open-loop client must.`,
    '',
  );
  if (o.chart) out.push(`![maximum throughput and added p99](${o.chart})`, '');
  return out.join('\n');
}

function roundsTable(r: LatencyRounds, rows: readonly RoundsSummary[]): string[] {
  const out = [
    `## ${PROTOCOL[r.protocol]} at ${r.rate.toLocaleString('en-US')} rps, one hop, small body: ${r.rounds.length} interleaved rounds`,
    '',
    `Each round runs direct and then every target for ${r.durationS} s, in turn; a target's added latency is its ` +
      "figure less direct's from the same round. Medians over rounds, and the lowest and highest added p50 of a round.",
    '',
    '| target | p50 / p99 | added p50 / p99 | added p50, lowest – highest round |',
    '| --- | --- | --- | --- |',
  ];
  for (const s of rows) {
    const isDirect = s.target === 'direct';
    out.push(
      `| ${s.target} | ${isDirect ? '(absolute) ' : ''}${f(s.absolute.p50)} / ${f(s.absolute.p99)} | ` +
        `${isDirect ? '—' : `${f(s.added.p50)} / ${f(s.added.p99)}`} | ` +
        `${isDirect ? '—' : `${f(s.addedP50Range[0])} – ${f(s.addedP50Range[1])}`} |`,
    );
  }
  out.push('');
  return out;
}
