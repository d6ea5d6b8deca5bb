/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and ranks functions by self time, and
 * by total time of the frames beneath them, so a hot-path report needs no flame-graph viewer.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  readonly name: string;
  /** `file:line`, trimmed to the part that says where it lives. */
  readonly where: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

function shortUrl(url: string): string {
  const i = url.search(/proxy-image\/src\/|node_modules\/|node:/);
  if (i >= 0) return url.slice(i);
  return url.replace(/^file:\/\/.*\//, '') || '(native)';
}

export function topSelfTime(path: string, limit = 20): { totalMs: number; idlePct: number; top: FunctionCost[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = profile.endTime - profile.startTime;
  const merged = new Map<string, { name: string; where: string; us: number }>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idleUs += us;
    const where = `${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    const key = `${name}@${where}`;
    const m = merged.get(key) ?? { name, where, us: 0 };
    m.us += us;
    merged.set(key, m);
  }
  const top = [...merged.values()]
    .filter((m) => m.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((m) => ({ name: m.name, where: m.where, selfMs: m.us / 1000, selfPct: (100 * m.us) / totalUs }));
  return { totalMs: totalUs / 1000, idlePct: (100 * idleUs) / totalUs, top };
}
