/**
 * CPU time and memory of a target, read from /proc: a target may be several processes (nginx's
 * master and worker, two sidecars for two hops), so figures are summed over each root pid and
 * its descendants.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The roots and every live descendant. */
export function processTree(roots: readonly number[]): number[] {
  const all = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
  const tree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const pid of all) {
      if (tree.has(pid)) continue;
      const ppid = parentOf(pid);
      if (ppid !== undefined && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** User + system CPU seconds used so far by the tree. */
export function cpuSeconds(roots: readonly number[]): number {
  let ticks = 0;
  for (const pid of processTree(roots)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of /proc/<pid>/stat (1-based, counting pid and comm).
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Exited meanwhile.
    }
  }
  return ticks / CLK_TCK;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident set size now, MiB. */
export function rssMiB(roots: readonly number[]): number {
  return processTree(roots).reduce((s, pid) => s + statusKiB(pid, 'VmRSS'), 0) / 1024;
}

/** Peak resident set size (VmHWM) of each process, summed, MiB. */
export function peakRssMiB(roots: readonly number[]): number {
  return processTree(roots).reduce((s, pid) => s + statusKiB(pid, 'VmHWM'), 0) / 1024;
}

/**
 * RSS at idle, MiB: sampled every 500 ms until it has not moved by more than 0.5 MiB for
 * `stableMs`, or `maxMs` have passed. A Node process's heap shrinks 10–25 s after start (not at
 * once), when V8's memory reducer runs on an idle process: the figure a sidecar holds while it
 * waits. 30 s of calm, since the proxy's young generation can sit unchanged for 20 s first.
 */
export async function idleRssMiB(roots: readonly number[], stableMs = 30_000, maxMs = 60_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = rssMiB(roots);
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < stableMs) {
    await new Promise((r) => setTimeout(r, 500));
    const now = rssMiB(roots);
    if (Math.abs(now - last) > 0.5) since = Date.now();
    last = now;
  }
  return last;
}
