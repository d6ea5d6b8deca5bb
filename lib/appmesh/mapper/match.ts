/**
 * App Mesh's matches in Trellis's flatter shape: `{ name, match: { exact } }` becomes
 * `{ name, exact }`; a header or query parameter with no `match` means "present", as in
 * App Mesh; `prefix` and `path` become one `path` match.
 */
import type { HeaderMatchMethod, HttpPathMatch, HttpQueryParameter, HttpRouteHeader } from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import type { headerMatch, pathMatch, queryParameterMatch } from '../../model/match';

export type HeaderMatchSpec = z.input<typeof headerMatch>;
export type QueryParameterMatchSpec = z.input<typeof queryParameterMatch>;
export type PathMatchSpec = z.input<typeof pathMatch>;

export function headerMatchSpec(h: HttpRouteHeader): HeaderMatchSpec {
  const m: HeaderMatchMethod | undefined = h.match;
  const out: HeaderMatchSpec = { name: h.name ?? '' };
  if (m?.exact !== undefined) out.exact = m.exact;
  else if (m?.prefix !== undefined) out.prefix = m.prefix;
  else if (m?.suffix !== undefined) out.suffix = m.suffix;
  else if (m?.regex !== undefined) out.regex = m.regex;
  else if (m?.range !== undefined) out.range = { start: m.range.start ?? 0, end: m.range.end ?? 0 };
  else out.present = true;
  if (h.invert) out.invert = true;
  return out;
}

export function queryParameterSpec(q: HttpQueryParameter): QueryParameterMatchSpec {
  return q.match?.exact !== undefined
    ? { name: q.name ?? '', exact: q.match.exact }
    : { name: q.name ?? '', present: true };
}

/** `prefix` and `path` are alternatives in App Mesh; both set is passed on for the model to refuse. */
export function pathMatchSpec(prefix: string | undefined, path: HttpPathMatch | undefined): PathMatchSpec | undefined {
  if (prefix === undefined && path === undefined) return undefined;
  const out: PathMatchSpec = {};
  if (prefix !== undefined) out.prefix = prefix;
  if (path?.exact !== undefined) out.exact = path.exact;
  if (path?.regex !== undefined) out.regex = path.regex;
  return out;
}
