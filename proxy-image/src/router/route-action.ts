/**
 * What a matched route does (Envoy's `Route.action` oneof): forward to a cluster (`route`),
 * answer with a redirect, or answer directly. Parsed once per config into plain objects.
 */
import { readFileSync } from 'node:fs';
import type { Fields } from '../config/fields';
import { type HashPolicy, parseHashPolicies } from './hash-policy';
import { type HeaderMutation, parseHeaderMutation } from './header-mutation';
import { parseRetryPolicy, type RetryPolicy } from './retry-policy';
import { compileRegexSearch } from './string-matcher';

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
  readonly requestMutation: HeaderMutation;
  readonly responseMutation: HeaderMutation;
  readonly hostRewriteLiteral: string | undefined;
}

export type ClusterSpecifier =
  | { readonly kind: 'cluster'; readonly name: string }
  | { readonly kind: 'header'; readonly header: string }
  | { readonly kind: 'weighted'; readonly clusters: readonly WeightedCluster[]; readonly total: number };

export interface RegexRewrite {
  readonly pattern: RegExp;
  readonly substitution: string;
}

export interface ForwardAction {
  readonly kind: 'route';
  readonly cluster: ClusterSpecifier;
  readonly clusterNotFoundCode: number;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: RegexRewrite | undefined;
  readonly hostRewriteLiteral: string | undefined;
  readonly hostRewriteHeader: string | undefined;
  readonly autoHostRewrite: boolean;
  /** Route timeout; 0 disables it. Envoy's default is 15 s. */
  readonly timeoutMs: number;
  /** Per-route stream idle timeout, when set. */
  readonly idleTimeoutMs: number | undefined;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hashPolicy: HashPolicy | undefined;
  /** `max_stream_duration.grpc_timeout_header_max` (0: uncapped); undefined: ignore `grpc-timeout`. */
  readonly grpcTimeoutHeaderMaxMs: number | undefined;
  readonly grpcTimeoutHeaderOffsetMs: number;
}

export interface RedirectAction {
  readonly kind: 'redirect';
  readonly scheme: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly path: string | undefined;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: RegexRewrite | undefined;
  readonly status: number;
  readonly stripQuery: boolean;
}

export interface DirectResponseAction {
  readonly kind: 'direct_response';
  readonly status: number;
  readonly body: Buffer | undefined;
}

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

const CLUSTER_NOT_FOUND = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 } as const;
const REDIRECT_CODES = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
} as const;

function parseRegexRewrite(f: Fields | undefined): RegexRewrite | undefined {
  if (!f) return undefined;
  const pattern = compileRegexSearch(f.object('pattern') ?? f.fail('pattern', 'is required'));
  // RE2 substitutions say \1; JavaScript says $1 (and a literal $ must be doubled).
  const substitution = f
    .string('substitution', '')
    .replace(/\$/g, '$$$$')
    .replace(/\\(\d)/g, '$$$1');
  f.done();
  return { pattern, substitution };
}

function parseWeighted(f: Fields): ClusterSpecifier {
  const clusters = f.array('clusters').map((c): WeightedCluster => {
    const name = c.requiredString('name');
    const weight = c.number('weight', 0);
    const requestMutation = parseHeaderMutation(
      c.array('request_headers_to_add'),
      c.stringArray('request_headers_to_remove'),
    );
    const responseMutation = parseHeaderMutation(
      c.array('response_headers_to_add'),
      c.stringArray('response_headers_to_remove'),
    );
    const hostRewriteLiteral = c.string('host_rewrite_literal');
    c.done(['cluster_header']);
    return { name, weight, requestMutation, responseMutation, hostRewriteLiteral };
  });
  if (clusters.length === 0) f.fail('clusters', 'must list at least one cluster');
  const sum = clusters.reduce((s, c) => s + c.weight, 0);
  const total = f.number('total_weight', sum);
  if (total !== sum) f.fail('total_weight', `is ${total} but the weights add up to ${sum}`);
  if (sum <= 0) f.fail('clusters', 'weights must add up to more than 0');
  f.done(['runtime_key_prefix', 'header_name']);
  return { kind: 'weighted', clusters, total: sum };
}

export function parseForwardAction(f: Fields, matchedBy: string): ForwardAction {
  const which = f.oneOf(['cluster', 'cluster_header', 'weighted_clusters'] as const);
  let cluster: ClusterSpecifier;
  if (which === 'cluster') cluster = { kind: 'cluster', name: f.requiredString('cluster') };
  else if (which === 'cluster_header')
    cluster = { kind: 'header', header: f.requiredString('cluster_header').toLowerCase() };
  else if (which === 'weighted_clusters') cluster = parseWeighted(f.object('weighted_clusters')!);
  else {
    f.done(['cluster_specifier_plugin', 'inline_cluster_specifier_plugin']);
    f.fail('', 'one of cluster, cluster_header or weighted_clusters is required');
  }
  const clusterNotFoundCode =
    CLUSTER_NOT_FOUND[
      f.enumOf(
        'cluster_not_found_response_code',
        Object.keys(CLUSTER_NOT_FOUND) as Array<keyof typeof CLUSTER_NOT_FOUND>,
        'SERVICE_UNAVAILABLE',
      )
    ];
  const prefixRewrite = f.string('prefix_rewrite');
  if (
    prefixRewrite !== undefined &&
    matchedBy !== 'prefix' &&
    matchedBy !== 'path' &&
    matchedBy !== 'path_separated_prefix'
  ) {
    f.fail('prefix_rewrite', 'needs a prefix or path match');
  }
  const regexRewrite = parseRegexRewrite(f.object('regex_rewrite'));
  const hostRewriteLiteral = f.string('host_rewrite_literal');
  const autoHostRewrite = f.bool('auto_host_rewrite');
  const hostRewriteHeader = f.string('host_rewrite_header')?.toLowerCase();
  const timeoutMs = f.duration('timeout', 15_000);
  const idleTimeoutMs = f.duration('idle_timeout');
  const retry = f.object('retry_policy');
  const retryPolicy = retry ? parseRetryPolicy(retry) : undefined;
  const hashPolicy = parseHashPolicies(f.array('hash_policy'));
  let grpcTimeoutHeaderMaxMs: number | undefined;
  let grpcTimeoutHeaderOffsetMs = 0;
  const msd = f.object('max_stream_duration');
  if (msd) {
    grpcTimeoutHeaderMaxMs = msd.duration('grpc_timeout_header_max');
    grpcTimeoutHeaderOffsetMs = msd.duration('grpc_timeout_header_offset', 0);
    msd.done();
  }
  // The deprecated spellings of the same two settings.
  if (grpcTimeoutHeaderMaxMs === undefined) grpcTimeoutHeaderMaxMs = f.duration('max_grpc_timeout');
  grpcTimeoutHeaderOffsetMs = f.duration('grpc_timeout_offset', grpcTimeoutHeaderOffsetMs);
  f.done([
    'cluster_specifier_plugin',
    'inline_cluster_specifier_plugin',
    'path_rewrite_policy',
    'host_rewrite_path_regex',
  ]);
  return {
    kind: 'route',
    cluster,
    clusterNotFoundCode,
    prefixRewrite,
    regexRewrite,
    hostRewriteLiteral,
    hostRewriteHeader,
    autoHostRewrite,
    timeoutMs,
    idleTimeoutMs,
    retryPolicy,
    hashPolicy,
    grpcTimeoutHeaderMaxMs,
    grpcTimeoutHeaderOffsetMs,
  };
}

export function parseRedirectAction(f: Fields, matchedBy: string): RedirectAction {
  let scheme = f.string('scheme_redirect');
  if (f.bool('https_redirect')) scheme = 'https';
  const host = f.string('host_redirect');
  const portValue = f.number('port_redirect', 0);
  const path = f.string('path_redirect');
  const prefixRewrite = f.string('prefix_rewrite');
  if (prefixRewrite !== undefined && matchedBy !== 'prefix' && matchedBy !== 'path') {
    f.fail('prefix_rewrite', 'needs a prefix or path match');
  }
  const regexRewrite = parseRegexRewrite(f.object('regex_rewrite'));
  const status =
    REDIRECT_CODES[
      f.enumOf('response_code', Object.keys(REDIRECT_CODES) as Array<keyof typeof REDIRECT_CODES>, 'MOVED_PERMANENTLY')
    ];
  const stripQuery = f.bool('strip_query');
  f.done();
  return {
    kind: 'redirect',
    scheme,
    host,
    port: portValue || undefined,
    path,
    prefixRewrite,
    regexRewrite,
    status,
    stripQuery,
  };
}

export function parseDirectResponse(f: Fields): DirectResponseAction {
  const status = f.number('status', 0);
  if (status < 200 || status >= 600) f.fail('status', 'must be between 200 and 599');
  let body: Buffer | undefined;
  const b = f.object('body');
  if (b) {
    const kind = b.oneOf(['inline_string', 'inline_bytes', 'filename', 'environment_variable'] as const);
    if (kind === 'inline_string') body = Buffer.from(b.string(kind, ''));
    else if (kind === 'inline_bytes') body = Buffer.from(b.string(kind, ''), 'base64');
    else if (kind === 'filename') {
      const file = b.string(kind, '');
      try {
        body = readFileSync(file);
      } catch (e) {
        b.fail(kind, `cannot read ${file}: ${(e as Error).message}`);
      }
    } else if (kind === 'environment_variable') {
      const name = b.string(kind, '');
      const v = process.env[name] ?? b.fail(kind, `environment variable ${name} is not set`);
      body = Buffer.from(v);
    }
    b.done();
  }
  f.done();
  return { kind: 'direct_response', status, body };
}
