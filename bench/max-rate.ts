/**
 * Maximum throughput, closed loop, with C load generators that cost far less CPU per request
 * than any Node client would (on two shared cores the generator competes with the target):
 * wrk for HTTP/1.1 (64 keep-alive connections, one thread) and h2load for h2c (8 connections
 * × 16 concurrent streams), both from Debian.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Protocol } from './open-loop';

const run = promisify(execFile);

export interface MaxRateResult {
  readonly rps: number;
  readonly requests: number;
  readonly failed: number;
}

export interface MaxRateTools {
  readonly wrk: string;
  readonly h2load: string;
}

export async function maxRate(
  tools: MaxRateTools,
  url: string,
  protocol: Protocol,
  durationS: number,
): Promise<MaxRateResult> {
  if (protocol === 'h1') {
    const { stdout } = await run(tools.wrk, ['-t1', '-c64', `-d${durationS}s`, url], {
      timeout: (durationS + 30) * 1000,
    });
    const rps = Number(stdout.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
    const requests = Number(stdout.match(/(\d+) requests in/)?.[1]);
    const non2xx = Number(stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
    const sock = stdout.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
    const socketErrors = sock ? sock.slice(1).reduce((s, n) => s + Number(n), 0) : 0;
    if (!Number.isFinite(rps)) throw new Error(`wrk printed no rate:\n${stdout}`);
    return { rps, requests, failed: non2xx + socketErrors };
  }
  const { stdout } = await run(tools.h2load, ['-c8', '-m16', '-D', String(durationS), url], {
    timeout: (durationS + 30) * 1000,
    maxBuffer: 16 << 20,
  });
  const rps = Number(stdout.match(/finished in [\d.]+m?s, ([\d.]+) req\/s/)?.[1]);
  const m = stdout.match(/requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/);
  if (!Number.isFinite(rps) || !m) throw new Error(`h2load printed no rate:\n${stdout}`);
  const status = stdout.match(/status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/);
  const bad = status ? Number(status[3]) + Number(status[4]) : 0;
  return { rps, requests: Number(m[1]), failed: Number(m[3]) + Number(m[4]) + bad };
}
