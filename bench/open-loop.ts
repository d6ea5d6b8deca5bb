/**
 * Open-loop load at a fixed rate, wrk2/Fortio style: request i is due at t0 + i / rate whether
 * or not earlier ones have answered, and its latency runs from that intended send time, so a
 * stalled target (or a stalled generator) shows up as queueing instead of being hidden by a
 * slower send rate. HTTP/1.1 goes through an undici Pool (keep-alive connections opened as
 * concurrency needs them); HTTP/2 multiplexes streams on one h2c session with prior knowledge,
 * as a sidecar's client would.
 */
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { type LatencySummary, summarize } from './latency';

export type Protocol = 'h1' | 'h2';

export interface OpenLoopOptions {
  readonly origin: string;
  readonly path: string;
  readonly protocol: Protocol;
  /** Requests per second. */
  readonly rate: number;
  readonly durationS: number;
  /** HTTP/1.1 connections at most (each carries one request at a time). */
  readonly connections?: number;
}

export interface OpenLoopResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** The first few failures, to say why. */
  readonly errors: string[];
  readonly latency: LatencySummary;
  /** How late the generator itself sent, at worst (ms): above a few ms the run is suspect. */
  readonly maxSendLagMs: number;
  readonly elapsedS: number;
}

type Send = () => Promise<number>;

function h1Sender(o: OpenLoopOptions): { send: Send; close: () => Promise<void> } {
  const pool = new Pool(o.origin, { connections: o.connections ?? 256, pipelining: 1, keepAliveTimeout: 60_000 });
  return {
    async send() {
      const res = await pool.request({ path: o.path, method: 'GET' });
      for await (const _ of res.body) {
        // Read the whole body: the response is done when its last byte has arrived.
      }
      return res.statusCode;
    },
    close: () => pool.close(),
  };
}

function h2Sender(o: OpenLoopOptions): { send: Send; close: () => Promise<void> } {
  const session = http2.connect(o.origin);
  session.on('error', () => undefined);
  return {
    send() {
      return new Promise<number>((resolve, reject) => {
        const req = session.request({ ':method': 'GET', ':path': o.path });
        let status = 0;
        req.on('response', (h) => {
          status = Number(h[':status']);
        });
        req.on('data', () => undefined);
        req.on('end', () => resolve(status));
        req.on('error', reject);
        req.end();
      });
    },
    close: () => new Promise<void>((resolve) => session.close(() => resolve())),
  };
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const sender = o.protocol === 'h2' ? h2Sender(o) : h1Sender(o);
  const total = Math.round(o.rate * o.durationS);
  const latencies = new Float64Array(total);
  const intervalMs = 1000 / o.rate;
  const errors: string[] = [];
  let ok = 0;
  let failed = 0;
  let sent = 0;
  let maxSendLagMs = 0;
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();

  const fire = (i: number, due: number) => {
    const p = sender.send().then(
      (status) => {
        latencies[i] = performance.now() - due;
        if (status >= 200 && status < 300) ok++;
        else {
          failed++;
          if (errors.length < 5) errors.push(`status ${status}`);
        }
      },
      (e: Error) => {
        latencies[i] = performance.now() - due;
        failed++;
        if (errors.length < 5) errors.push(`${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`);
      },
    );
    const tracked = p.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };

  await new Promise<void>((resolve) => {
    // A 1 ms timer wakes the loop; every request already due goes out on each tick.
    const tick = () => {
      const now = performance.now();
      while (sent < total) {
        const due = t0 + sent * intervalMs;
        if (due > now) break;
        maxSendLagMs = Math.max(maxSendLagMs, now - due);
        fire(sent, due);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, t0 + sent * intervalMs - now)));
      else resolve();
    };
    tick();
  });
  await Promise.all(inflight);
  const elapsedS = (performance.now() - t0) / 1000;
  await sender.close();
  return { sent, ok, failed, errors, latency: summarize(latencies), maxSendLagMs, elapsedS };
}
