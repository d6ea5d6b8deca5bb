/**
 * Hop-by-hop header handling, as fastify-reply-from and Envoy do it: `connection`,
 * `keep-alive`, `proxy-connection`, `transfer-encoding`, `upgrade`, `http2-settings` and every
 * header named in `Connection` are connection-specific and never forwarded; `te` survives only
 * as `te: trailers` (gRPC needs it).
 */
import type { HeaderMap } from './header-map';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings'];

/** Removes connection-specific headers in place. `protect`: names `Connection` may not remove. */
export function stripHopByHop(headers: HeaderMap, protect?: ReadonlySet<string>): void {
  const conn = headers.connection;
  if (conn !== undefined) {
    const list = typeof conn === 'string' ? conn : conn.join(',');
    for (const raw of list.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name && name !== 'te' && !(protect?.has(name) ?? false)) delete headers[name];
    }
  }
  for (const h of HOP_BY_HOP) if (headers[h] !== undefined) delete headers[h];
  const te = headers.te;
  if (te !== undefined) {
    const v = (typeof te === 'string' ? te : te.join(',')).toLowerCase();
    if (v.split(',').some((t) => t.trim() === 'trailers')) headers.te = 'trailers';
    else delete headers.te;
  }
}
