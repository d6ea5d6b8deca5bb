/**
 * One benchmark configuration: a target (or direct), a client protocol, one or two hops and a
 * body size, measured at fixed rates (open loop) and at maximum rate, with the target's CPU time
 * and memory read from /proc around each run.
 */
import { join } from 'node:path';
import type { LatencySummary } from './latency';
import { type MaxRateResult, type MaxRateTools, maxRate } from './max-rate';
import { openLoop, type Protocol } from './open-loop';
import { cpuSeconds, idleRssMiB, peakRssMiB } from './process-stats';
import type { RunningTarget, TargetKind } from './targets/target';
import type { Upstream } from './upstream';

export type Body = 'small' | '64k';

export interface Scenario {
  /** undefined: direct to the upstream. */
  readonly kind?: TargetKind;
  readonly protocol: Protocol;
  readonly hops: 1 | 2;
  readonly body: Body;
  readonly rates: readonly number[];
  readonly max: boolean;
}

export interface Timing {
  readonly warmS: number;
  readonly fixedS: number;
  readonly maxS: number;
}

export interface FixedRun {
  readonly rate: number;
  readonly ok: number;
  readonly failed: number;
  readonly errors: string[];
  readonly latency: LatencySummary;
  readonly maxSendLagMs: number;
  /** CPU seconds the target used per 1,000 requests (NaN for direct). */
  readonly cpuPer1000: number;
}

export interface MaxRun extends MaxRateResult {
  readonly cpuPer1000: number;
}

export interface ScenarioResult {
  readonly target: string;
  readonly protocol: Protocol;
  readonly hops: 1 | 2;
  readonly body: Body;
  readonly fixed: FixedRun[];
  readonly max?: MaxRun;
  readonly idleRssMiB: number;
  readonly peakRssMiB: number;
  readonly error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startChain(s: Scenario, upstream: Upstream, dir: string): Promise<RunningTarget[]> {
  if (!s.kind) return [];
  const chain: RunningTarget[] = [];
  try {
    // Hop to hop is HTTP/1.1 for every target (nginx cannot proxy to an HTTP/2 upstream).
    const last = s.hops === 2 ? await s.kind.start({ upstream, protocol: 'h1', dir: join(dir, 'hop2') }) : undefined;
    if (last) chain.push(last);
    chain.unshift(await s.kind.start({ upstream: last ?? upstream, protocol: s.protocol, dir: join(dir, 'hop1') }));
    return chain;
  } catch (e) {
    await Promise.all(chain.map((t) => t.stop()));
    throw e;
  }
}

export async function runScenario(
  s: Scenario,
  upstream: Upstream,
  tools: MaxRateTools,
  timing: Timing,
  dir: string,
  path: string,
): Promise<ScenarioResult> {
  const base = { target: s.kind?.name ?? 'direct', protocol: s.protocol, hops: s.hops, body: s.body };
  let chain: RunningTarget[] = [];
  try {
    chain = await startChain(s, upstream, dir);
    const pids = chain.flatMap((t) => t.pids);
    const port = chain[0]?.port ?? (s.protocol === 'h2' ? upstream.h2Port : upstream.port);
    const origin = `http://127.0.0.1:${port}`;
    const idle = pids.length ? await idleRssMiB(pids) : Number.NaN;
    const cpu = () => (pids.length ? cpuSeconds(pids) : Number.NaN);
    // Warm-up, discarded: JIT, connection pools, caches.
    await openLoop({ origin, path, protocol: s.protocol, rate: 1000, durationS: timing.warmS });
    const fixed: FixedRun[] = [];
    for (const rate of s.rates) {
      await sleep(300);
      const c0 = cpu();
      const r = await openLoop({ origin, path, protocol: s.protocol, rate, durationS: timing.fixedS });
      const used = cpu() - c0;
      fixed.push({
        rate,
        ok: r.ok,
        failed: r.failed,
        errors: r.errors,
        latency: r.latency,
        maxSendLagMs: r.maxSendLagMs,
        cpuPer1000: (used / r.sent) * 1000,
      });
    }
    let max: MaxRun | undefined;
    if (s.max) {
      await sleep(300);
      const c0 = cpu();
      const m = await maxRate(tools, `${origin}${path}`, s.protocol, timing.maxS);
      max = { ...m, cpuPer1000: ((cpu() - c0) / Math.max(1, m.requests)) * 1000 };
    }
    const peak = pids.length ? peakRssMiB(pids) : Number.NaN;
    return { ...base, fixed, max, idleRssMiB: idle, peakRssMiB: peak };
  } catch (e) {
    return { ...base, fixed: [], idleRssMiB: Number.NaN, peakRssMiB: Number.NaN, error: (e as Error).message };
  } finally {
    await Promise.all(chain.map((t) => t.stop()));
  }
}
