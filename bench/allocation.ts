/**
 * Bytes the proxy allocates per request, a figure that does not move with the neighbours the way
 * rates and CPU seconds do on a shared machine: under a fixed open-loop load, with a 1 MiB
 * semi-space, every scavenge follows ~1 MiB of allocation, so scavenges counted by `--trace-gc`
 * × 1 MiB ÷ requests is the young-generation allocation per request (to about ±1 %). About one
 * run in ten lands ~25 % higher, when the JIT has not optimized the hot path the same way (escape
 * analysis dropped): compare a few runs, not one.
 *
 *   npx tsx bench/allocation.ts [--rate 1000] [--duration 10] [--protocol h1|h2] [--sample]
 *
 * `--sample` also ranks the functions that allocated, collected objects included
 * (bench/allocation-sampler.cjs), on the unminified bundle so names point at source lines.
 */
import { join } from 'node:path';
import { tempDir } from '../test/support/temp-dir';
import { positiveOption, runBench } from './cli';
import { topAllocations } from './heap-profile';
import { openLoop, type Protocol } from './open-loop';
import { ensureTools } from './packages';
import { useNginx } from './targets/nginx';
import { trellisTarget } from './targets/trellis';
import { SMALL_PATH, startUpstream } from './upstream';

const WARM_S = 3;

const scavenges = (out: string) => (out.match(/Scavenge/g) ?? []).length;

async function main(argv: string[]): Promise<void> {
  const rate = positiveOption(argv, '--rate', 1000);
  const durationS = positiveOption(argv, '--duration', 10);
  const sample = argv.includes('--sample');
  const p = argv.indexOf('--protocol');
  const protocol = (p >= 0 ? argv[p + 1] : 'h1') as Protocol;
  if (protocol !== 'h1' && protocol !== 'h2') throw new Error(`--protocol is h1 or h2, not "${protocol}"`);
  useNginx(ensureTools().nginx);
  const dir = tempDir('trellis-bench-allocation-');
  const upstream = await startUpstream(join(dir, 'upstream'));
  const profile = join(dir, 'allocation.heapprofile');
  if (sample) {
    // The sampler starts after start-up and warm-up, and stops before the load does.
    process.env.TRELLIS_SAMPLE_OUT = profile;
    process.env.TRELLIS_SAMPLE_AFTER_MS = String((WARM_S + 2) * 1000);
    process.env.TRELLIS_SAMPLE_FOR_MS = String(Math.max(1000, (durationS - 2) * 1000));
  }
  const flags = [
    '--max-semi-space-size=1',
    '--trace-gc',
    ...(sample ? ['-r', join(__dirname, 'allocation-sampler.cjs')] : []),
  ];
  const proxy = await trellisTarget(flags, sample ? 'dev' : 'image').start({
    upstream,
    protocol,
    dir: join(dir, 'proxy'),
  });
  await openLoop({ origin: proxy.origin, path: SMALL_PATH, protocol, rate, durationS: WARM_S });
  const before = scavenges(proxy.stdout?.() ?? '');
  const load = await openLoop({ origin: proxy.origin, path: SMALL_PATH, protocol, rate, durationS });
  const count = scavenges(proxy.stdout?.() ?? '') - before;
  await proxy.stop();
  await upstream.stop();
  const perRequest = (count * 1024 * 1024) / Math.max(1, load.ok);
  const lines = [
    `Trellis proxy (${sample ? 'unminified bundle, sampling' : 'image payload'}), ${protocol === 'h2' ? 'h2c' : 'HTTP/1.1'}, ${rate} rps for ${durationS} s: ` +
      `${load.ok} ok, ${load.failed} failed`,
    `  ${count} scavenges of a 1 MiB semi-space: ≈ ${(perRequest / 1024).toFixed(1)} KiB allocated per request`,
  ];
  if (sample) {
    const { totalBytes, top } = topAllocations(profile, 25);
    lines.push(`  sampled ${(totalBytes / 1048576).toFixed(1)} MiB; top allocating functions:`);
    for (const t of top) {
      lines.push(
        `  ${t.pct.toFixed(1).padStart(5)}% ${(t.bytes / 1024).toFixed(0).padStart(7)} KiB  ${t.name}  ${t.where}`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

runBench('allocation', main);
