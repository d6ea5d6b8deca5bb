/**
 * Issue 3's memory budget: the Trellis proxy's RSS at idle once settled (aim ≤ 60 MB) and after a minute
 * of 1,000 requests per second through it (aim ≤ 100 MB), with the peak seen on the way.
 *
 *   npx tsx bench/proxy-memory.ts [--duration <seconds>] [--rate <rps>] [--node-args "<v8 flags>"]
 *
 * `--node-args` tries V8 settings on the proxy (e.g. "--max-semi-space-size=2").
 */

import { join } from 'node:path';
import { tempDir } from '../test/support/temp-dir';
import { positiveOption, runBench } from './cli';
import { openLoop } from './open-loop';
import { ensureTools } from './packages';
import { cpuSeconds, idleRssMiB, peakRssMiB, rssMiB } from './process-stats';
import { useNginx } from './targets/nginx';
import { trellisTarget } from './targets/trellis';
import { SMALL_PATH, startUpstream } from './upstream';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (n: number) => `${n.toFixed(1)} MiB`;

async function main(argv: string[]): Promise<void> {
  const durationS = positiveOption(argv, '--duration', 60);
  const rate = positiveOption(argv, '--rate', 1000);
  useNginx(ensureTools().nginx);
  const dir = tempDir('trellis-bench-memory-');
  const upstream = await startUpstream(join(dir, 'upstream'));
  const i = argv.indexOf('--node-args');
  const nodeArgs = i >= 0 ? (argv[i + 1] ?? '').split(/\s+/).filter(Boolean) : [];
  const proxy = await trellisTarget(nodeArgs).start({ upstream, protocol: 'h1', dir: join(dir, 'proxy') });
  await sleep(1000);
  const atStart = rssMiB(proxy.pids);
  const idle = await idleRssMiB(proxy.pids);

  let peak = atStart;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(proxy.pids));
  }, 250);
  const cpu0 = cpuSeconds(proxy.pids);
  const load = await openLoop({ origin: proxy.origin, path: SMALL_PATH, protocol: 'h1', rate, durationS });
  const cpuPer1000 = ((cpuSeconds(proxy.pids) - cpu0) / Math.max(1, load.sent)) * 1000;
  clearInterval(sampler);
  const after = rssMiB(proxy.pids);
  const hwm = peakRssMiB(proxy.pids);

  const lines = [
    `Trellis proxy RSS (${process.version}, bundled, one listener → one cluster${nodeArgs.length ? `, ${nodeArgs.join(' ')}` : ''})`,
    `  1 s after start:             ${mb(atStart)}`,
    `  idle (settled):              ${mb(idle)}   (aim ≤ 60 MB)`,
    `  after ${durationS} s at ${rate} rps:      ${mb(after)}   (aim ≤ 100 MB)`,
    `  peak (sampled / VmHWM):      ${mb(peak)} / ${mb(hwm)}`,
    `  requests: ${load.ok} ok, ${load.failed} failed${load.errors.length ? ` (${load.errors.join('; ')})` : ''}`,
    `  CPU: ${cpuPer1000.toFixed(3)} s per 1,000 requests`,
    `  latency from intended send: p50 ${load.latency.p50.toFixed(2)} ms, p99 ${load.latency.p99.toFixed(2)} ms, ` +
      `p99.9 ${load.latency.p999.toFixed(2)} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await proxy.stop();
  await upstream.stop();
}

runBench('proxy-memory', main);
