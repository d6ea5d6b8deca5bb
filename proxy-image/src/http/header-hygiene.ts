/**
 * Hop-by-hop header handling, as fastify-reply-from and Envoy do it: `connection`,
 * `keep-alive`, `proxy-connection`, `transfer-encoding`, `upgrade`, `http2-settings` and every
 * header named in `Connection` are connection-specific and never forwarded; `te` survives only
 * as `te: trailers` (gRPC needs it).
 *
 * The result is a filtered copy, never the input with keys deleted: `delete` turns a V8 object
 * into a slow dictionary-mode one, and every later read and write of that header map (routing,
 * mutations, the codec writing it out) paid for it on each request.
 */
import type { HeaderMap } from './header-map';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * `headers` without connection-specific headers, nor those `drop` names; `headers` itself when
 * there is nothing to remove. `protect`: names `Connection` may not remove.
 */
export function stripHopByHop(
  headers: HeaderMap,
  protect?: ReadonlySet<string>,
  drop?: (name: string) => boolean,
): HeaderMap {
  let named: Set<string> | undefined;
  const conn = headers.connection;
  // Nearly every message says `keep-alive` or `close`, which name no header: no split for them.
  if (conn !== undefined && !namesNothing(conn)) {
    const list = typeof conn === 'string' ? conn : conn.join(',');
    for (const raw of list.split(',')) {
      const name = raw.trim().toLowerCase();
      // `Connection: keep-alive` / `close` name nothing the hop-by-hop list does not already drop.
      if (!name || name === 'te' || name === 'close' || HOP_BY_HOP.has(name) || (protect?.has(name) ?? false)) continue;
      (named ??= new Set()).add(name);
    }
  }
  const te = headers.te;
  let keepTe = false;
  if (te !== undefined) {
    const v = (typeof te === 'string' ? te : te.join(',')).toLowerCase();
    keepTe = v.split(',').some((t) => t.trim() === 'trailers');
  }
  let dirty = conn !== undefined || (te !== undefined && te !== 'trailers');
  if (!dirty) {
    for (const name in headers) {
      if (HOP_BY_HOP.has(name) || (drop?.(name) ?? false)) {
        dirty = true;
        break;
      }
    }
  }
  if (!dirty) return headers;
  const out: HeaderMap = {};
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || name === 'te' || HOP_BY_HOP.has(name) || named?.has(name) || drop?.(name)) continue;
    out[name] = v;
  }
  if (keepTe) out.te = 'trailers';
  return out;
}

function namesNothing(conn: string | string[]): boolean {
  return conn === 'keep-alive' || conn === 'close' || conn === 'Keep-Alive' || conn === 'Close';
}
