/**
 * Latency at a fixed open-loop rate in interleaved rounds: each round runs every target once, in
 * turn, right after `direct`, so the drift of a shared machine (its neighbours come and go within
 * minutes) hits them alike. What a target adds is its figure less direct's from the same round;
 * the median over rounds is the estimate, the spread over rounds its noise. One 8 s run per
 * target, as the tables take, moves by ±0.1 ms at p50 here from one run to the next.
 */
import { join } from 'node:path';
import { openLoop, type Protocol } from './open-loop';
import type { Endpoint, RunningTarget, TargetKind } from './targets/target';
import { SMALL_PATH } from './upstream';

/** The upstream itself, as a target: the baseline the others are measured against. */
export const direct: TargetKind = {
  name: 'direct',
  h2: false,
  start: async (o): Promise<RunningTarget> => ({
    origin: `http://127.0.0.1:${o.upstream.port}`,
    port: o.upstream.port,
    pids: [],
    stop: async () => {},
  }),
};

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

export interface LatencyRounds {
  readonly protocol: Protocol;
  readonly rate: number;
  readonly durationS: number;
  readonly targets: readonly string[];
  /** Per round, each target's absolute latency (ms); direct is among them. */
  readonly rounds: ReadonlyArray<Readonly<Record<string, Percentiles>>>;
}

export interface RoundsOptions {
  readonly upstream: Endpoint;
  readonly dir: string;
  /** Measured in this order within each round, after direct (which is left out here if named). */
  readonly kinds: readonly TargetKind[];
  readonly protocol: Protocol;
  readonly rate: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly warmS: number;
  readonly log?: (line: string) => void;
}

export async function latencyRounds(o: RoundsOptions): Promise<LatencyRounds> {
  const kinds = [direct, ...o.kinds.filter((k) => k.name !== direct.name)];
  const rounds: Array<Record<string, Percentiles>> = [];
  for (let round = 1; round <= o.rounds; round++) {
    const got: Record<string, Percentiles> = {};
    for (const [i, kind] of kinds.entries()) {
      const target = await kind.start({
        upstream: o.upstream,
        protocol: o.protocol,
        dir: join(o.dir, `r${round}-${i}`),
      });
      try {
        const run = { origin: target.origin, path: SMALL_PATH, protocol: o.protocol, rate: o.rate };
        await openLoop({ ...run, durationS: o.warmS });
        const r = await openLoop({ ...run, durationS: o.durationS });
        got[kind.name] = { p50: r.latency.p50, p99: r.latency.p99 };
        o.log?.(
          `round ${round} ${kind.name}: p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, ` +
            `${r.failed} failed, generator lag ≤ ${r.maxSendLagMs.toFixed(1)} ms`,
        );
      } finally {
        await target.stop();
      }
    }
    rounds.push(got);
  }
  return { protocol: o.protocol, rate: o.rate, durationS: o.durationS, targets: kinds.map((k) => k.name), rounds };
}

export interface RoundsSummary {
  readonly target: string;
  /** Medians over rounds of the absolute latency. */
  readonly absolute: Percentiles;
  /** Medians over rounds of (target − direct) from the same round; NaN for direct. */
  readonly added: Percentiles;
  /** Lowest and highest added p50 over the rounds. */
  readonly addedP50Range: readonly [number, number];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarizeRounds(r: LatencyRounds): RoundsSummary[] {
  return r.targets.map((target) => {
    const abs = r.rounds.map((x) => x[target]);
    const added = r.rounds.map((x) => ({ p50: x[target].p50 - x.direct.p50, p99: x[target].p99 - x.direct.p99 }));
    const isDirect = target === direct.name;
    const p50s = added.map((a) => a.p50);
    return {
      target,
      absolute: { p50: median(abs.map((a) => a.p50)), p99: median(abs.map((a) => a.p99)) },
      added: isDirect
        ? { p50: Number.NaN, p99: Number.NaN }
        : { p50: median(p50s), p99: median(added.map((a) => a.p99)) },
      addedP50Range: isDirect ? [Number.NaN, Number.NaN] : [Math.min(...p50s), Math.max(...p50s)],
    };
  });
}
