/**
 * `npm run bench`: the Trellis proxy beside direct calls, nginx, HAProxy, http-proxy and
 * @fastify/http-proxy on 127.0.0.1, in one run on one machine (issue 8), then the latency targets
 * again in interleaved rounds (bench/latency-rounds.ts), then the compiler benchmark
 * (bench/compile.ts). Writes bench/results/<date>.md and .svg, the raw figures to
 * bench/results/raw/<date>.json (bench/render.ts redraws from them), and prints the table.
 *
 *   npm run bench [-- --quick] [-- --only Trellis,nginx] [-- --out <dir>]
 *
 * Full run about 31 minutes on 2 cores (each target first waits for 30 s of steady idle RSS);
 * --quick a few (short runs: indicative only).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { stopAllProcesses } from '../test/support/child-process';
import { REPO_ROOT } from '../test/support/proxy-bundle';
import { tempDir } from '../test/support/temp-dir';
import { runBench } from './cli';
import { type LatencyRounds, latencyRounds } from './latency-rounds';
import { describeMachine } from './machine';
import { ensureTools } from './packages';
import { RATES, type RawRun, writeResults } from './render';
import { type Body, runScenario, type Scenario, type ScenarioResult, type Timing } from './scenario';
import { haproxy, useHaproxy } from './targets/haproxy';
import { nginx, useNginx } from './targets/nginx';
import { fastifyProxyPeer, httpProxyPeer } from './targets/node-peers';
import type { TargetKind } from './targets/target';
import { trellis } from './targets/trellis';
import { LARGE_PATH, SMALL_PATH, startUpstream } from './upstream';

const KINDS: TargetKind[] = [trellis, nginx, haproxy, httpProxyPeer, fastifyProxyPeer];

interface Options {
  readonly quick: boolean;
  readonly only?: Set<string>;
  readonly out: string;
}

function parseArgs(argv: string[]): Options {
  let quick = false;
  let only: Set<string> | undefined;
  let out = join(REPO_ROOT, 'bench', 'results');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--only') only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--out') out = resolve(argv[++i] ?? '');
    else throw new Error(`unknown option ${a} (known: --quick, --only <targets>, --out <dir>)`);
  }
  if (only) {
    const known = new Set(['direct', ...KINDS.map((k) => k.name)]);
    for (const name of only) if (!known.has(name)) throw new Error(`--only: unknown target "${name}" (${[...known]})`);
  }
  return { quick, only, out };
}

/** Every configuration, in order: one hop at every rate, then two hops, then the 64 KiB body. */
function plan(o: Options): Scenario[] {
  const kinds = KINDS.filter((k) => !o.only || o.only.has(k.name));
  const direct = !o.only || o.only.has('direct') || kinds.length > 0;
  const list: Scenario[] = [];
  for (const protocol of ['h1', 'h2'] as const) {
    if (direct) list.push({ protocol, hops: 1, body: 'small', rates: RATES, max: true });
    for (const kind of kinds.filter((k) => protocol === 'h1' || k.h2)) {
      list.push({ kind, protocol, hops: 1, body: 'small', rates: RATES, max: true });
    }
  }
  for (const protocol of ['h1', 'h2'] as const) {
    for (const kind of kinds.filter((k) => protocol === 'h1' || k.h2)) {
      list.push({ kind, protocol, hops: 2, body: 'small', rates: [1000], max: true });
    }
  }
  const large: Body = '64k';
  if (direct) list.push({ protocol: 'h1', hops: 1, body: large, rates: [1000], max: true });
  for (const kind of kinds) list.push({ kind, protocol: 'h1', hops: 1, body: large, rates: [1000], max: true });
  return list;
}

function compileBench(quick: boolean): string {
  const args = [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'bench', 'compile.ts')];
  if (quick) args.push('200');
  try {
    return execFileSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 }).trim();
  } catch (e) {
    return `compile benchmark failed: ${(e as Error).message}`;
  }
}

async function main(argv: string[]): Promise<void> {
  const o = parseArgs(argv);
  const tools = ensureTools();
  useNginx(tools.nginx);
  useHaproxy(tools.haproxy);
  const machine = describeMachine(tools);
  const timing: Timing = o.quick ? { warmS: 1, fixedS: 3, maxS: 3 } : { warmS: 2, fixedS: 8, maxS: 8 };
  const dir = tempDir('trellis-bench-');
  const upstream = await startUpstream(join(dir, 'upstream'));
  const results: ScenarioResult[] = [];
  const scenarios = plan(o);
  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  let rounds: LatencyRounds | undefined;
  try {
    for (const [i, s] of scenarios.entries()) {
      const label = `${s.kind?.name ?? 'direct'} ${s.protocol} ${s.hops} hop${s.hops > 1 ? 's' : ''} ${s.body}`;
      process.stderr.write(`[${i + 1}/${scenarios.length}] ${label} ... `);
      const path = s.body === 'small' ? SMALL_PATH : LARGE_PATH;
      const r = await runScenario(s, upstream, tools, timing, join(dir, `run-${i}`), path);
      results.push(r);
      const at1k = r.fixed.find((x) => x.rate === 1000);
      process.stderr.write(
        r.error
          ? `error: ${r.error.split('\n')[0]}\n`
          : `p99 at 1k ${at1k?.latency.p99.toFixed(2) ?? '—'} ms, max ${Math.round(r.max?.rps ?? 0)} rps\n`,
      );
    }
    // The latency targets again, in interleaved rounds: one 8 s run per target (the tables) moves
    // by ±0.1 ms at p50 from run to run on a shared machine; the median of rounds does not.
    const kinds = KINDS.filter((k) => !o.only || o.only.has(k.name));
    const count = o.quick ? 2 : 5;
    if (kinds.length)
      rounds = await latencyRounds({
        upstream,
        dir: join(dir, 'rounds'),
        kinds,
        protocol: 'h1',
        rate: 1000,
        rounds: count,
        durationS: timing.fixedS,
        warmS: timing.warmS,
        log: (line) => process.stderr.write(`[rounds] ${line}\n`),
      });
  } finally {
    await upstream.stop();
  }
  const compile = compileBench(o.quick);

  const date = new Date().toISOString().slice(0, 16).replace(':', '');
  const name = `${date}${o.quick ? '-quick' : ''}`;
  const raw: RawRun = {
    machine,
    timing,
    results,
    date,
    quick: o.quick,
    load: [loadAtStart, os.loadavg()[0]],
    compile,
    rounds,
  };
  mkdirSync(join(o.out, 'raw'), { recursive: true });
  writeFileSync(join(o.out, 'raw', `${name}.json`), JSON.stringify(raw, null, 2));
  const md = writeResults(raw, o.out, name);
  process.stdout.write(`${md}\n`);
  process.stderr.write(
    `wrote ${relative(process.cwd(), join(o.out, `${name}.md`))} and ${name}.svg in ${((Date.now() - started) / 60_000).toFixed(1)} min\n`,
  );
}

// A crash must not leave nginx or HAProxy behind (their workers outlive a SIGKILLed master).
process.on('uncaughtException', (e) => {
  process.stderr.write(`bench: ${e.stack ?? e.message}\n`);
  void stopAllProcesses().finally(() => process.exit(1));
});

runBench('bench', main);
