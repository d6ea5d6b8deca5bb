/**
 * Maximum rate in interleaved rounds: each round runs every variant once, in turn, so the drift
 * of a shared machine (±30 % between minutes here) hits them alike, and the medians are compared.
 * A variant is a peer by name (nginx, HAProxy, http-proxy, @fastify/http-proxy), `direct` (the
 * upstream itself), or the Trellis proxy: `image`, `dev` (the unminified test bundle) or
 * `image-l4` (the image's proxy as a tcp_proxy: bytes only, Node's floor) followed by Node flags,
 * which come after the image's own (proxy-image/src/process-settings.ts) and so win over them.
 *
 * With --rate, each run is open loop at that rate instead, and the rounds compare latency: the
 * median over rounds of each variant's p50 and p99 less direct's from the same round.
 *
 *   npx tsx bench/rounds.ts [--rounds 5] [--duration 8] [--protocol h1|h2] \
 *     [--variant image --variant http-proxy --variant @fastify/http-proxy]
 *   npx tsx bench/rounds.ts --variant image --variant "image --max-semi-space-size=16"
 *   npx tsx bench/rounds.ts --rate 1000 --variant direct --variant image --variant HAProxy
 */
import { join } from 'node:path';
import { tempDir } from '../test/support/temp-dir';
import { runBench } from './cli';
import { direct, type LatencyRounds, latencyRounds, median, summarizeRounds } from './latency-rounds';
import { maxRate } from './max-rate';
import type { Protocol } from './open-loop';
import { ensureTools } from './packages';
import { cpuSeconds } from './process-stats';
import { haproxy, useHaproxy } from './targets/haproxy';
import { nginx, useNginx } from './targets/nginx';
import { fastifyProxyPeer, httpProxyPeer } from './targets/node-peers';
import type { TargetKind } from './targets/target';
import { type Payload, trellisTarget } from './targets/trellis';
import { SMALL_PATH, startUpstream } from './upstream';

function options(argv: string[]) {
  const variants: string[] = [];
  let rounds = 5;
  let durationS = 8;
  let protocol: Protocol = 'h1';
  let rate = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--variant') variants.push(v);
    else if (a === '--rounds') rounds = Number(v);
    else if (a === '--duration') durationS = Number(v);
    else if (a === '--protocol') protocol = v as Protocol;
    else if (a === '--rate') rate = Number(v);
    else throw new Error(`unknown option ${a} (known: --variant, --rounds, --duration, --protocol, --rate)`);
  }
  if (!['h1', 'h2'].includes(protocol) || !(rounds > 0) || !(durationS > 0) || !(rate >= 0))
    throw new Error('bad --protocol, --rounds, --duration or --rate');
  if (rate > 0 && !variants.includes('direct')) throw new Error('--rate needs --variant direct (the baseline)');
  return {
    variants: variants.length ? variants : ['image', 'http-proxy', '@fastify/http-proxy'],
    rounds,
    durationS,
    protocol,
    rate,
  };
}

const PEERS: readonly TargetKind[] = [direct, nginx, haproxy, httpProxyPeer, fastifyProxyPeer];

function kindOf(variant: string): TargetKind {
  const peer = PEERS.find((k) => k.name === variant);
  if (peer) return peer;
  const [payload, ...flags] = variant.split(/\s+/).filter(Boolean);
  if (payload === 'image-l4') return trellisTarget(flags, 'image', 'l4');
  if (payload !== 'image' && payload !== 'dev') {
    throw new Error(
      `--variant "${variant}": a peer (${PEERS.map((k) => k.name).join(', ')}) or image|image-l4|dev [node flags]`,
    );
  }
  return trellisTarget(flags, payload as Payload);
}

async function main(argv: string[]): Promise<void> {
  const o = options(argv);
  if (o.rate > 0) {
    await latencyRoundsCommand(o);
    return;
  }
  const tools = ensureTools();
  useNginx(tools.nginx);
  useHaproxy(tools.haproxy);
  const dir = tempDir('trellis-bench-rounds-');
  const upstream = await startUpstream(join(dir, 'upstream'));
  const results = new Map<string, { rps: number[]; cpuPer1000: number[] }>();
  for (const v of o.variants) {
    if (o.protocol === 'h2' && !kindOf(v).h2) throw new Error(`--variant "${v}" does not accept h2c`);
  }
  for (let round = 1; round <= o.rounds; round++) {
    for (const [i, variant] of o.variants.entries()) {
      const proxy = await kindOf(variant).start({
        upstream,
        protocol: o.protocol,
        dir: join(dir, `r${round}-v${i}`),
      });
      try {
        await maxRate(tools, `${proxy.origin}${SMALL_PATH}`, o.protocol, 2); // warm-up
        const c0 = cpuSeconds(proxy.pids);
        const r = await maxRate(tools, `${proxy.origin}${SMALL_PATH}`, o.protocol, o.durationS);
        const cpu = cpuSeconds(proxy.pids) - c0;
        const entry = results.get(variant) ?? { rps: [], cpuPer1000: [] };
        entry.rps.push(r.rps);
        entry.cpuPer1000.push((cpu / Math.max(1, r.requests)) * 1000);
        results.set(variant, entry);
        process.stdout.write(`round ${round} ${variant}: ${r.rps.toFixed(0)} rps, ${r.failed} failed\n`);
      } finally {
        await proxy.stop();
      }
    }
  }
  await upstream.stop();
  const base = median(results.get(o.variants[0])!.rps);
  process.stdout.write(
    `\n${o.protocol}, ${o.rounds} rounds of ${o.durationS} s, median (ratio to "${o.variants[0]}"):\n`,
  );
  for (const [variant, r] of results) {
    const m = median(r.rps);
    process.stdout.write(
      `  ${variant.padEnd(40)} ${m.toFixed(0).padStart(7)} rps  ×${(m / base).toFixed(2)}  ` +
        `CPU ${median(r.cpuPer1000).toFixed(3)} s per 1,000\n`,
    );
  }
}

runBench('rounds', main);

/** Latency at a fixed rate, in interleaved rounds; what each variant adds over direct, per round. */
async function latencyRoundsCommand(o: ReturnType<typeof options>): Promise<void> {
  const tools = ensureTools();
  useNginx(tools.nginx);
  useHaproxy(tools.haproxy);
  const dir = tempDir('trellis-bench-rounds-');
  const upstream = await startUpstream(join(dir, 'upstream'));
  let result: LatencyRounds;
  try {
    // Named by variant, so two builds of the proxy with different flags stay apart.
    const kinds = o.variants.map((v) => ({ ...kindOf(v), name: v }));
    result = await latencyRounds({
      upstream,
      dir,
      kinds,
      protocol: o.protocol,
      rate: o.rate,
      rounds: o.rounds,
      durationS: o.durationS,
      warmS: 2,
      log: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    await upstream.stop();
  }
  process.stdout.write(
    `\n${o.protocol} at ${o.rate} rps, ${o.rounds} rounds of ${o.durationS} s, medians over rounds (ms):\n`,
  );
  for (const s of summarizeRounds(result)) {
    const added =
      s.target === direct.name
        ? ''
        : `   added p50 ${s.added.p50.toFixed(2)} (${s.addedP50Range.map((x) => x.toFixed(2)).join('–')}), p99 ${s.added.p99.toFixed(2)}`;
    process.stdout.write(
      `  ${s.target.padEnd(24)} p50 ${s.absolute.p50.toFixed(2)}  p99 ${s.absolute.p99.toFixed(2)}${added}\n`,
    );
  }
}
