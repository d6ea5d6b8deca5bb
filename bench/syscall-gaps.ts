/**
 * Where a proxy's added latency goes, seen from the kernel: at a fixed open-loop rate, `perf`
 * records the proxy's system calls (the raw_syscalls tracepoints: cheap, unlike strace) and this
 * measures, per message, the time from the read that brought it in to the write that sends it
 * on (the proxy's own work on the critical path), how long that write took (the kernel's TCP
 * path and the wakeup of the receiver, which every proxy pays), and how long the proxy stayed
 * busy after its last write before waiting again (work off the critical path that still delays
 * the next message). Trellis and the peers are measured alike in one run, so their figures
 * compare on a shared machine. Needs root (tracepoints) and perf (Debian's linux-perf, installed
 * when missing).
 *
 *   npx tsx bench/syscall-gaps.ts [--rate 1000] [--duration 4] [--variant image --variant HAProxy]
 *     (variants: image, HAProxy, nginx, http-proxy, @fastify/http-proxy)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../test/support/temp-dir';
import { positiveOption, runBench } from './cli';
import { summarize } from './latency';
import { openLoop } from './open-loop';
import { ensurePerf, ensureTools } from './packages';
import { processTree } from './process-stats';
import { measure, parse, record, socketRoles, threadGroup } from './syscall-trace';
import { haproxy, useHaproxy } from './targets/haproxy';
import { nginx, useNginx } from './targets/nginx';
import { fastifyProxyPeer, httpProxyPeer } from './targets/node-peers';
import type { TargetKind } from './targets/target';
import { trellisTarget } from './targets/trellis';
import { SMALL_PATH, startUpstream } from './upstream';

const KINDS: Record<string, () => TargetKind> = {
  image: () => trellisTarget(),
  'image-l4': () => trellisTarget([], 'image', 'l4'),
  HAProxy: () => haproxy,
  nginx: () => nginx,
  'http-proxy': () => httpProxyPeer,
  '@fastify/http-proxy': () => fastifyProxyPeer,
};

async function main(argv: string[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root: perf reads the raw_syscalls tracepoints');
  const rate = positiveOption(argv, '--rate', 1000);
  const durationS = positiveOption(argv, '--duration', 4);
  const variants = argv.flatMap((a, i) => (argv[i - 1] === '--variant' ? [a] : []));
  for (const v of variants)
    if (!KINDS[v]) throw new Error(`unknown variant ${v} (known: ${Object.keys(KINDS).join(', ')})`);
  const perf = ensurePerf();
  const tools = ensureTools();
  useNginx(tools.nginx);
  useHaproxy(tools.haproxy);
  const dir = tempDir('trellis-bench-gaps-');
  const upstream = await startUpstream(join(dir, 'upstream'));
  const rows: string[] = [];
  for (const name of variants.length ? variants : ['image', 'HAProxy']) {
    const target = await KINDS[name]().start({ upstream, protocol: 'h1', dir: join(dir, name) });
    try {
      await openLoop({ origin: target.origin, path: SMALL_PATH, protocol: 'h1', rate, durationS: 2 });
      // Load runs on past the recording on both sides, so the trace holds only steady traffic.
      const load = openLoop({
        origin: target.origin,
        path: SMALL_PATH,
        protocol: 'h1',
        rate,
        durationS: durationS + 2,
      });
      await new Promise((r) => setTimeout(r, 1000));
      const pids = processTree(target.pids);
      const roles = socketRoles(pids, target.port);
      const data = join(dir, `${name}.perf`);
      await record(perf, pids, data, durationS);
      await load;
      const script = execFileSync(perf, ['script', '-i', data], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const tgids = new Map<number, number>();
      const tgidOf = (tid: number) => {
        let t = tgids.get(tid);
        if (t === undefined) tgids.set(tid, (t = pids.includes(tid) ? tid : threadGroup(tid)));
        return t;
      };
      const g = measure(parse(script), roles, tgidOf);
      const f = (a: number[]) => {
        const { p50, p90 } = summarize(Float64Array.from(a));
        return `${p50.toFixed(0).padStart(4)} / ${p90.toFixed(0).padStart(4)}`;
      };
      rows.push(
        `| ${name.padEnd(19)} | ${f(g.request)} | ${f(g.response)} | ${f(g.write)} | ${f(g.after)} | ${((100 * g.batched) / Math.max(1, g.wakes)).toFixed(0).padStart(3)} % | ${String(g.request.length).padStart(6)} |`,
      );
    } finally {
      await target.stop();
    }
  }
  await upstream.stop();
  process.stdout.write(
    [
      `HTTP/1.1 at ${rate} rps, ${durationS} s traced per variant; µs, p50 / p90`,
      '',
      '| variant             | request: read → write | response: read → write | write syscall | busy after last write | wakeups with > 1 event | requests |',
      '| ------------------- | --------------------- | ---------------------- | ------------- | --------------------- | ---------------------- | -------- |',
      ...rows,
      '',
    ].join('\n'),
  );
}

runBench('syscall-gaps', main);
