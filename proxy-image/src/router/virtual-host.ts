/**
 * A virtual host (Envoy's `config.route.v3.VirtualHost`): the domains it answers for, its
 * routes in order (first match wins), header changes, and defaults (retry policy) its routes
 * inherit.
 */
import type { Fields } from '../config/fields';
import type { RequestHeaders } from '../http/header-map';
import { type HeaderMutation, parseHeaderMutation } from './header-mutation';
import { parseRetryPolicy, type RetryPolicy } from './retry-policy';
import { parseRoute, type Route } from './route';

export type RequireTls = 'NONE' | 'EXTERNAL_ONLY' | 'ALL';

export interface VirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly Route[];
  readonly requireTls: RequireTls;
  readonly requestMutation: HeaderMutation;
  readonly responseMutation: HeaderMutation;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  route(req: RequestHeaders): Route | undefined;
}

export function parseVirtualHost(f: Fields): VirtualHost {
  const name = f.requiredString('name');
  const domains = f.stringArray('domains');
  if (domains.length === 0) f.fail('domains', 'must list at least one domain');
  const routes = f.array('routes').map((r, i) => parseRoute(r, i));
  const requireTls = f.enumOf('require_tls', ['NONE', 'EXTERNAL_ONLY', 'ALL'] as const, 'NONE');
  const requestMutation = parseHeaderMutation(
    f.array('request_headers_to_add'),
    f.stringArray('request_headers_to_remove'),
  );
  const responseMutation = parseHeaderMutation(
    f.array('response_headers_to_add'),
    f.stringArray('response_headers_to_remove'),
  );
  const rp = f.object('retry_policy');
  const retryPolicy = rp ? parseRetryPolicy(rp) : undefined;
  const includeRequestAttemptCount = f.bool('include_request_attempt_count');
  const includeAttemptCountInResponse = f.bool('include_attempt_count_in_response');
  f.done(['vhds', 'matcher']);
  return {
    name,
    domains,
    routes,
    requireTls,
    requestMutation,
    responseMutation,
    retryPolicy,
    includeRequestAttemptCount,
    includeAttemptCountInResponse,
    route(req) {
      for (const r of routes) if (r.matches(req)) return r;
      return undefined;
    },
  };
}
