/**
 * Body-based routing. Envoy routes on headers, so the Trellis proxy's body router filter
 * copies chosen JSON body fields into request headers before routing, and routes match
 * those headers. The filter removes any such header a client sent, so it cannot be spoofed.
 * It is marked optional: a stock Envoy skips it and body routes simply never match.
 */
import { createHash } from 'node:crypto';
import { BODY_ROUTER, BODY_ROUTER_FILTER, TYPED_STRUCT } from './extensions';

const PREFIX = 'x-trellis-body-';

/** The header carrying a body field: readable, and distinct for distinct paths. */
export function bodyHeader(path: string): string {
  const readable = path.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  // Lowercasing and folding punctuation can merge two paths; a short hash keeps them apart.
  const folded = readable !== path;
  const suffix = folded ? `-${createHash('sha256').update(path).digest('hex').slice(0, 6)}` : '';
  return `${PREFIX}${readable}${suffix}`;
}

export interface BodyRouting {
  readonly maxBytes: number;
  readonly paths: ReadonlySet<string>;
}

/** The filter entry for an HTTP connection manager whose routes match on these body fields. */
export function bodyRouterFilter(routing: BodyRouting): Record<string, unknown> {
  return {
    name: BODY_ROUTER_FILTER,
    is_optional: true,
    typed_config: {
      '@type': TYPED_STRUCT,
      type_url: BODY_ROUTER,
      value: {
        max_request_bytes: routing.maxBytes,
        fields: [...routing.paths].sort().map((path) => ({ path, header: bodyHeader(path) })),
      },
    },
  };
}
