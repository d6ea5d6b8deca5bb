/**
 * The AWS X-Ray trace header, `X-Amzn-Trace-Id: Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;
 * Sampled=0|1|?`: parsed from the request, rewritten with this proxy's segment as the parent
 * before the request goes upstream. Unknown key=value pairs (Lineage, Self…) are kept.
 */

export interface TraceHeader {
  readonly root: string | undefined;
  readonly parent: string | undefined;
  /** The caller's sampling decision; undefined when absent or `?` (decide here). */
  readonly sampled: boolean | undefined;
  readonly extra: readonly string[];
}

const ROOT = /^1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}$/;
const SEGMENT_ID = /^[0-9a-fA-F]{16}$/;

export function parseTraceHeader(value: string | undefined): TraceHeader {
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: boolean | undefined;
  const extra: string[] = [];
  for (const part of (value ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (key === 'Root') root = ROOT.test(v) ? v : undefined;
    else if (key === 'Parent') parent = SEGMENT_ID.test(v) ? v : undefined;
    else if (key === 'Sampled') sampled = v === '1' ? true : v === '0' ? false : undefined;
    else if (key) extra.push(`${key}=${v}`);
  }
  // A parent without a valid root belongs to no trace.
  return root ? { root, parent, sampled, extra } : { root: undefined, parent: undefined, sampled, extra: [] };
}

export function formatTraceHeader(root: string, parent: string, sampled: boolean, extra: readonly string[]): string {
  return [`Root=${root}`, `Parent=${parent}`, `Sampled=${sampled ? 1 : 0}`, ...extra].join(';');
}
