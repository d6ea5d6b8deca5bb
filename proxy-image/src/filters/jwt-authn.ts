/**
 * Envoy's JWT authentication filter (`envoy.filters.http.jwt_authn`), for gateways: finds the
 * bearer token (Authorization: Bearer, or the provider's `from_headers`/`from_params`), verifies
 * it against the provider's JWKS (local, or remote through a cluster with caching), checks
 * issuer, audiences, expiry and not-before with clock skew, then copies chosen claims into
 * request headers (`claim_to_headers`) and, unless `forward`, removes the token. Which providers
 * a request needs comes from the route (`PerRouteConfig`: `requirement_name` or `disabled`) or
 * the first matching `rules` entry. Refusals are Envoy's: 401 with
 * `www-authenticate: Bearer realm="<url>"` (plus `error="invalid_token"` for a bad token), or 403
 * for a token whose audience is not allowed; `http.<stat_prefix>.jwt_authn.allowed|denied`.
 */
import { readFileSync } from 'node:fs';
import { Fields, type Json, newContext } from '../config/fields';
import { type HeaderMap, headerValue, type RequestHeaders } from '../http/header-map';
import { log } from '../log';
import { parseMatch } from '../router/route';
import type { Counter } from '../stats/metric';
import type { FilterCallbacks, FilterStatsScope, FilterStatus, HttpFilter } from './http-filter';
import { parseJwks } from './jwks';
import { type JwksSource, LocalJwks, RemoteJwks } from './jwks-cache';
import { type JwtRequirement, parseRequirement } from './jwt-requirement';
import { JwtError, type JwtProviderRules, verifyJwt } from './jwt-verifier';

export const JWT_AUTHN_TYPE = 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const PER_ROUTE_TYPE = 'envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';
const NAME = 'envoy.filters.http.jwt_authn';

interface TokenLocation {
  readonly header: string | undefined;
  readonly prefix: string;
  readonly param: string | undefined;
}

interface Provider {
  readonly name: string;
  readonly rules: JwtProviderRules;
  readonly jwks: JwksSource;
  readonly forward: boolean;
  readonly locations: readonly TokenLocation[];
  readonly claimToHeaders: ReadonlyArray<{ readonly header: string; readonly claim: string }>;
  readonly forwardPayloadHeader: string | undefined;
}

interface Rule {
  readonly match: (req: RequestHeaders) => boolean;
  readonly requires: JwtRequirement | undefined;
}

const DEFAULT_LOCATIONS: readonly TokenLocation[] = [
  { header: 'authorization', prefix: 'Bearer ', param: undefined },
  { header: undefined, prefix: '', param: 'access_token' },
];

function parseProvider(name: string, f: Fields): Provider {
  const local = f.object('local_jwks');
  const remote = f.object('remote_jwks');
  let jwks!: JwksSource;
  if (local) {
    const file = local.string('filename');
    const inline = local.string('inline_string');
    local.done(['inline_bytes', 'environment_variable', 'watched_directory']);
    let text = '';
    if (file !== undefined) {
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        local.fail('filename', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else if (inline !== undefined) text = inline;
    else local.fail('', 'filename or inline_string is required');
    try {
      jwks = new LocalJwks(parseJwks(text, file ?? 'inline_string'));
    } catch (e) {
      local.fail(file !== undefined ? 'filename' : 'inline_string', (e as Error).message);
    }
  } else if (remote) {
    const hu = remote.object('http_uri') ?? remote.fail('http_uri', 'is required');
    const uri = hu.requiredString('uri');
    if (!/^https?:\/\//.test(uri)) hu.fail('uri', `"${uri}" must be an http or https URL`);
    const cluster = hu.requiredString('cluster');
    const timeoutMs = hu.duration('timeout', 1000) ?? 1000;
    hu.done();
    const cacheDurationMs = remote.duration('cache_duration', 600_000) ?? 600_000;
    const asyncFetch = remote.has('async_fetch');
    remote.accept('async_fetch', 'retry_policy');
    remote.done();
    jwks = new RemoteJwks({ uri, cluster, timeoutMs, cacheDurationMs, asyncFetch });
  } else f.fail('', 'local_jwks or remote_jwks is required');
  const headers = f.array('from_headers').map((h) => {
    const out = {
      header: h.requiredString('name').toLowerCase(),
      prefix: h.string('value_prefix', '') ?? '',
      param: undefined,
    };
    h.done();
    return out;
  });
  const params = f.stringArray('from_params').map((p) => ({ header: undefined, prefix: '', param: p }));
  const claimToHeaders = f.array('claim_to_headers').map((c) => {
    const out = { header: c.requiredString('header_name').toLowerCase(), claim: c.requiredString('claim_name') };
    c.done();
    return out;
  });
  const clockSkew = f.number('clock_skew_seconds', 60) ?? 60;
  const maxLifetime = f.duration('max_lifetime');
  const provider: Provider = {
    name,
    rules: {
      issuer: f.string('issuer'),
      audiences: f.stringArray('audiences'),
      clockSkewSeconds: clockSkew,
      requireExpiration: f.bool('require_expiration'),
      maxLifetimeSeconds: maxLifetime === undefined ? undefined : maxLifetime / 1000,
    },
    jwks,
    forward: f.bool('forward'),
    locations: headers.length || params.length ? [...headers, ...params] : DEFAULT_LOCATIONS,
    claimToHeaders,
    forwardPayloadHeader: f.string('forward_payload_header')?.toLowerCase(),
  };
  f.accept(
    'payload_in_metadata',
    'header_in_metadata',
    'pad_forward_payload_header',
    'subjects',
    'failed_status_in_metadata',
  );
  f.done(['from_cookies', 'jwt_cache_config', 'normalize_payload_in_metadata', 'clear_route_cache']);
  return provider;
}

/** A claim by name; `a.b` reaches into objects. Only strings, numbers and booleans become headers. */
function claim(payload: Record<string, unknown>, name: string): string | undefined {
  let v: unknown = payload;
  for (const part of name.split('.')) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: JwtError | 'missing' };

interface Found {
  readonly token: string;
  readonly location: TokenLocation;
}

function findToken(p: Provider, req: RequestHeaders): Found | undefined {
  for (const loc of p.locations) {
    if (loc.header) {
      const v = headerValue(req.headers, loc.header);
      if (v?.startsWith(loc.prefix)) {
        const token = v.slice(loc.prefix.length).trim();
        if (token) return { token, location: loc };
      }
    } else if (loc.param) {
      const q = req.path.indexOf('?');
      if (q < 0) continue;
      const token = new URLSearchParams(req.path.slice(q + 1)).get(loc.param);
      if (token) return { token, location: loc };
    }
  }
  return undefined;
}

export class JwtAuthnFilter implements HttpFilter {
  readonly name = NAME;
  private allowed: Counter | undefined;
  private denied: Counter | undefined;
  private readonly perRoute = new WeakMap<
    Json,
    { disabled: boolean; requirement: JwtRequirement | undefined } | Error
  >();

  constructor(
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly rules: readonly Rule[],
    private readonly requirementMap: ReadonlyMap<string, JwtRequirement>,
    private readonly bypassCorsPreflight: boolean,
  ) {}

  bindStats(scope: FilterStatsScope): void {
    const p = `${scope.prefix}jwt_authn.`;
    this.allowed = scope.store.counter(`${p}allowed`);
    this.denied = scope.store.counter(`${p}denied`);
    const stats = {
      success: scope.store.counter(`${p}jwks_fetch_success`),
      failed: scope.store.counter(`${p}jwks_fetch_failed`),
    };
    for (const pr of this.providers.values()) {
      if (pr.jwks instanceof RemoteJwks && scope.clusterManager) pr.jwks.bind(scope.clusterManager, stats);
    }
  }

  private requirementFor(cb: FilterCallbacks): JwtRequirement | undefined | Error {
    const raw = cb.route()?.route.perFilterConfig.get(NAME);
    if (raw) {
      let c = this.perRoute.get(raw);
      if (!c) {
        try {
          const f = Fields.of(raw, `typed_per_filter_config["${NAME}"]`, newContext());
          const type = String(raw['@type'] ?? '').replace(/^.*\//, '');
          if (type !== PER_ROUTE_TYPE) f.fail('@type', `must be ${PER_ROUTE_TYPE}`);
          f.accept('@type');
          const disabled = f.bool('disabled');
          const name = f.string('requirement_name');
          f.done();
          const requirement = name === undefined ? undefined : this.requirementMap.get(name);
          if (name !== undefined && !requirement) f.fail('requirement_name', `"${name}" is not in requirement_map`);
          c = { disabled, requirement };
        } catch (e) {
          c = e as Error;
        }
        this.perRoute.set(raw, c);
      }
      if (c instanceof Error) return c;
      return c.disabled ? undefined : c.requirement;
    }
    for (const r of this.rules) if (r.match(cb.request)) return r.requires;
    return undefined;
  }

  async decodeHeaders(cb: FilterCallbacks): Promise<FilterStatus> {
    const req = cb.request;
    // Claim headers come only from verified tokens: a client cannot send its own.
    for (const p of this.providers.values()) {
      for (const c of p.claimToHeaders) delete req.headers[c.header];
      if (p.forwardPayloadHeader) delete req.headers[p.forwardPayloadHeader];
    }
    if (
      this.bypassCorsPreflight &&
      req.method === 'OPTIONS' &&
      headerValue(req.headers, 'origin') !== undefined &&
      headerValue(req.headers, 'access-control-request-method') !== undefined
    ) {
      return 'continue';
    }
    const requirement = this.requirementFor(cb);
    if (requirement instanceof Error) {
      log.warn(`jwt_authn: ${requirement.message}`);
      return this.reject(cb, new JwtError('Jwt verification fails'));
    }
    if (!requirement) return 'continue';
    const outcome = await this.check(requirement, req);
    if (outcome.ok) {
      this.allowed?.inc();
      cb.clearRouteCache();
      return 'continue';
    }
    return this.reject(cb, outcome.error);
  }

  private reject(cb: FilterCallbacks, error: JwtError | 'missing'): FilterStatus {
    this.denied?.inc();
    const req = cb.request;
    const q = req.path.indexOf('?');
    const realm = `${req.scheme}://${req.authority}${q < 0 ? req.path : req.path.slice(0, q)}`;
    const status = error === 'missing' ? 401 : error.status;
    const headers: HeaderMap = {};
    if (status === 401) {
      headers['www-authenticate'] = `Bearer realm="${realm}"${error === 'missing' ? '' : ', error="invalid_token"'}`;
    }
    const body = error === 'missing' ? 'Jwt is missing' : error.message;
    cb.sendLocalReply(status, body, { details: `jwt_authn_access_denied{${body.replace(/\s/g, '_')}}`, headers });
    return 'stop';
  }

  private async check(r: JwtRequirement, req: RequestHeaders): Promise<Outcome> {
    switch (r.kind) {
      case 'provider':
        return this.verifyWith(this.providers.get(r.provider)!, r.audiences, req);
      case 'allow_missing_or_failed':
        for (const p of this.providers.values()) if (findToken(p, req)) await this.verifyWith(p, undefined, req);
        return { ok: true };
      case 'allow_missing': {
        // No token at all is fine; a token that is sent must verify.
        const p = [...this.providers.values()].find((x) => findToken(x, req));
        return p ? this.verifyWith(p, undefined, req) : { ok: true };
      }
      case 'any': {
        let firstError: Outcome | undefined;
        for (const x of r.list) {
          const o = await this.check(x, req);
          if (o.ok) return o;
          if (!firstError || (firstError.ok === false && firstError.error === 'missing')) firstError = o;
        }
        return firstError ?? { ok: false, error: 'missing' };
      }
      case 'all': {
        for (const x of r.list) {
          const o = await this.check(x, req);
          if (!o.ok) return o;
        }
        return { ok: true };
      }
    }
  }

  private async verifyWith(
    p: Provider,
    audiences: readonly string[] | undefined,
    req: RequestHeaders,
  ): Promise<Outcome> {
    const found = findToken(p, req);
    if (!found) return { ok: false, error: 'missing' };
    try {
      const keys = await p.jwks.keys();
      const jwt = verifyJwt(found.token, audiences ? { ...p.rules, audiences } : p.rules, keys);
      for (const c of p.claimToHeaders) {
        const v = claim(jwt.payload, c.claim);
        if (v !== undefined) req.headers[c.header] = v;
      }
      if (p.forwardPayloadHeader) req.headers[p.forwardPayloadHeader] = jwt.payloadSegment;
      if (!p.forward && found.location.header) delete req.headers[found.location.header];
      return { ok: true };
    } catch (e) {
      if (e instanceof JwtError) return { ok: false, error: e };
      throw e;
    }
  }
}

export function parseJwtAuthn(f: Fields): HttpFilter {
  const providers = new Map<string, Provider>();
  const pf = f.object('providers');
  if (pf) {
    for (const name of Object.keys(pf.raw)) providers.set(name, parseProvider(name, pf.object(name)!));
    pf.done();
  }
  const names = new Set(providers.keys());
  const rules: Rule[] = f.array('rules').map((r) => {
    const m = r.object('match') ?? r.fail('match', 'is required');
    const match = parseMatch(m).predicate;
    const req = r.object('requires');
    const requires = req ? parseRequirement(req, names) : undefined;
    r.accept('requirement_name');
    r.done();
    return { match, requires };
  });
  const requirementMap = new Map<string, JwtRequirement>();
  const rm = f.object('requirement_map');
  if (rm) {
    for (const name of Object.keys(rm.raw)) requirementMap.set(name, parseRequirement(rm.object(name)!, names));
    rm.done();
  }
  const bypass = f.bool('bypass_cors_preflight');
  f.accept('stat_prefix', 'strip_failure_response');
  f.done(['filter_state_rules']);
  return new JwtAuthnFilter(providers, rules, requirementMap, bypass);
}
