/**
 * Reads a V8 .heapprofile (what `node --heap-prof` writes: sampled allocations, by stack) and
 * ranks functions by the bytes they allocated themselves.
 */
import { readFileSync } from 'node:fs';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

export interface AllocationSite {
  readonly name: string;
  readonly where: string;
  readonly bytes: number;
  readonly pct: number;
}

function shortUrl(url: string): string {
  const i = url.search(/proxy-image\/src\/|node_modules\/|node:/);
  return i >= 0 ? url.slice(i) : url.replace(/^file:\/\/.*\//, '') || '(native)';
}

export function topAllocations(path: string, limit = 15): { totalBytes: number; top: AllocationSite[] } {
  const root = (JSON.parse(readFileSync(path, 'utf8')) as { head: HeapNode }).head;
  const merged = new Map<string, { name: string; where: string; bytes: number }>();
  let total = 0;
  const walk = (n: HeapNode) => {
    if (n.selfSize) {
      const name = n.callFrame.functionName || '(anonymous)';
      const where = `${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      const key = `${name}@${where}`;
      const m = merged.get(key) ?? { name, where, bytes: 0 };
      m.bytes += n.selfSize;
      merged.set(key, m);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  const top = [...merged.values()]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit)
    .map((m) => ({ ...m, pct: (100 * m.bytes) / total }));
  return { totalBytes: total, top };
}
