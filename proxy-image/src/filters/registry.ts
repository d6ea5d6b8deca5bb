/**
 * Turns an HTTP connection manager's `http_filters` into filter objects. Filters are known by
 * their `typed_config` type (the inner `type_url` for a TypedStruct). An unknown filter is a
 * config error unless it is marked `is_optional`, in which case it is skipped with a warning,
 * as Envoy does. `envoy.filters.http.router` must come last.
 */
import { Fields, isObject } from '../config/fields';
import { BODY_ROUTER_TYPE, parseBodyRouter } from './body-router';
import type { HttpFilter } from './http-filter';
import { JWT_AUTHN_TYPE, parseJwtAuthn } from './jwt-authn';
import { parseRbacFilter, RBAC_TYPE } from './rbac';

export interface RouterConfig {
  /** `suppress_envoy_headers`: no `x-envoy-upstream-service-time`, `x-envoy-overloaded`… */
  readonly suppressEnvoyHeaders: boolean;
  /** `respect_expected_rq_timeout`: honour `x-envoy-expected-rq-timeout-ms` from internal callers. */
  readonly respectExpectedRqTimeout: boolean;
}

export interface HttpFilterChain {
  readonly filters: readonly HttpFilter[];
  readonly router: RouterConfig;
}

const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
const ROUTER_NAME = 'envoy.filters.http.router';
const TYPED_STRUCTS = ['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct'];

type Factory = (config: Fields) => HttpFilter;

const FACTORIES: Record<string, Factory> = {
  [BODY_ROUTER_TYPE]: parseBodyRouter,
  [RBAC_TYPE]: parseRbacFilter,
  [JWT_AUTHN_TYPE]: parseJwtAuthn,
};

function typeName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

function parseRouter(tc: Fields | undefined): RouterConfig {
  const out = {
    suppressEnvoyHeaders: tc?.bool('suppress_envoy_headers') ?? false,
    respectExpectedRqTimeout: tc?.bool('respect_expected_rq_timeout') ?? false,
  };
  tc?.accept('dynamic_stats', 'start_child_span', 'suppress_grpc_request_failure_code_stats', 'strict_check_headers');
  tc?.done(['upstream_log', 'upstream_log_options', 'upstream_http_filters']);
  return out;
}

/** Reads `hcm.http_filters`. */
export function parseHttpFilters(hcm: Fields): HttpFilterChain {
  const list = hcm.array('http_filters');
  const filters: HttpFilter[] = [];
  let router: RouterConfig | undefined;
  for (const f of list) {
    const name = f.requiredString('name');
    const optional = f.bool('is_optional');
    const disabled = f.bool('disabled');
    if (f.has('config_discovery')) f.fail('config_discovery', 'filter config discovery is not supported');
    const tc = f.object('typed_config');
    let type = tc ? typeName(String(tc.raw['@type'] ?? '')) : '';
    let config = tc;
    if (tc && TYPED_STRUCTS.includes(type)) {
      type = typeName(tc.string('type_url', ''));
      const value = tc.get('value');
      config = Fields.of(isObject(value) ? value : {}, tc.at('value'), f.ctx);
      tc.done();
    }
    f.done();
    if (router) f.fail('', `the router filter must be the last HTTP filter, but "${name}" follows it`);
    if (type === ROUTER_TYPE || (!tc && name === ROUTER_NAME)) {
      router = parseRouter(config);
      continue;
    }
    if (disabled) {
      // Disabled filters only run when a route enables them; routes here cannot.
      config?.accept(...Object.keys(config.raw));
      f.ctx.ignored.push(`${f.path} (${name}, disabled)`);
      continue;
    }
    const factory = FACTORIES[type];
    if (!factory) {
      if (!optional) {
        f.fail(
          '',
          `HTTP filter "${name}" (${type || 'no typed_config'}) is not supported; mark it is_optional to skip it`,
        );
      }
      config?.accept(...Object.keys(config.raw));
      f.ctx.ignored.push(`${f.path} (optional filter ${name})`);
      continue;
    }
    filters.push(factory(config ?? Fields.of({}, `${f.path}.typed_config`, f.ctx)));
  }
  if (!router) hcm.fail('http_filters', 'the last HTTP filter must be envoy.filters.http.router');
  return { filters, router };
}
