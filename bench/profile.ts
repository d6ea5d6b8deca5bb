/**
 * Profiles the Trellis proxy on the hot path: drives open-loop load through it while V8's
 * sampling profilers run (`--cpu-prof`, `--heap-prof` through NODE_OPTIONS), stops it so the
 * profiles are written, then prints the top self-time functions, the garbage collector's share
 * and the top allocation sites. Keeps the raw profiles with --keep <dir> (open them in Chrome
 * DevTools or speedscope for flame graphs).
 *
 *   npx tsx bench/profile.ts [--rate 2000] [--duration 15] [--protocol h1|h2] [--interval <µs>] [--keep <dir>]
 *
 * `--interval`: the CPU sampling interval in microseconds (V8 default 1000); smaller shows the
 * short steps of one request at the cost of more profiler overhead.
 */
import { cpSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../test/support/temp-dir';
import { runBench } from './cli';
import { topSelfTime } from './cpu-profile';
import { topAllocations } from './heap-profile';
import { openLoop, type Protocol } from './open-loop';
import { ensureTools } from './packages';
import { cpuSeconds } from './process-stats';
import { useNginx } from './targets/nginx';
import { trellisTarget } from './targets/trellis';
import { SMALL_PATH, startUpstream } from './upstream';

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const rate = Number(option(argv, '--rate') ?? 2000);
  const durationS = Number(option(argv, '--duration') ?? 15);
  const protocol = (option(argv, '--protocol') ?? 'h1') as Protocol;
  if (!Number.isFinite(rate) || !Number.isFinite(durationS) || !['h1', 'h2'].includes(protocol)) {
    throw new Error('usage: profile.ts [--rate <rps>] [--duration <s>] [--protocol h1|h2] [--keep <dir>]');
  }
  useNginx(ensureTools().nginx);
  const dir = tempDir('trellis-bench-profile-');
  const profiles = join(dir, 'profiles');
  const upstream = await startUpstream(join(dir, 'upstream'));
  const kind = trellisTarget(
    [
      `--cpu-prof`,
      `--cpu-prof-interval=${option(argv, '--interval') ?? 1000}`,
      `--cpu-prof-dir=${profiles}`,
      `--heap-prof`,
      `--heap-prof-dir=${profiles}`,
    ],
    'dev',
  );
  const proxy = await kind.start({ upstream, protocol, dir: join(dir, 'proxy') });
  await openLoop({ origin: proxy.origin, path: SMALL_PATH, protocol, rate: 1000, durationS: 2 });
  const c0 = cpuSeconds(proxy.pids);
  const load = await openLoop({ origin: proxy.origin, path: SMALL_PATH, protocol, rate, durationS });
  const cpu = cpuSeconds(proxy.pids) - c0;
  await proxy.stop();
  await upstream.stop();

  const files = readdirSync(profiles);
  const cpuFile = files.find((f) => f.endsWith('.cpuprofile'));
  const heapFile = files.find((f) => f.endsWith('.heapprofile'));
  if (!cpuFile || !heapFile) throw new Error(`the proxy wrote no profiles (found: ${files.join(', ') || 'nothing'})`);
  const out: string[] = [
    `Trellis proxy under ${rate} rps ${protocol} for ${durationS} s: ${load.ok} ok, ${load.failed} failed, ` +
      `p50 ${load.latency.p50.toFixed(2)} ms, p99 ${load.latency.p99.toFixed(2)} ms, p99.9 ${load.latency.p999.toFixed(2)} ms`,
    `CPU: ${((cpu / load.sent) * 1000).toFixed(3)} s per 1,000 requests (${((cpu / durationS) * 100).toFixed(0)}% of a core)`,
    '',
  ];
  const c = topSelfTime(join(profiles, cpuFile), 25);
  out.push(`Top self time (whole profile ${(c.totalMs / 1000).toFixed(1)} s, idle ${c.idlePct.toFixed(0)}%):`);
  for (const t of c.top) {
    out.push(`  ${t.selfPct.toFixed(1).padStart(5)}%  ${t.selfMs.toFixed(0).padStart(6)} ms  ${t.name}  ${t.where}`);
  }
  const h = topAllocations(join(profiles, heapFile), 15);
  out.push('', `Top allocation sites (sampled, ${(h.totalBytes / 2 ** 20).toFixed(1)} MiB live in samples):`);
  for (const t of h.top) {
    out.push(
      `  ${t.pct.toFixed(1).padStart(5)}%  ${(t.bytes / 1024).toFixed(0).padStart(7)} KiB  ${t.name}  ${t.where}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  const keep = option(argv, '--keep');
  if (keep) cpSync(profiles, resolve(keep), { recursive: true });
}

runBench('profile', main);
