/**
 * Gateway JWT authentication as Envoy's `jwt_authn` filter. Each distinct set of providers
 * gateway routes accept becomes one named requirement; each route names its requirement in
 * its per-route config, or disables the filter when it needs no token.
 */
import { durationMs, envoyDuration } from '../model/duration';
import type { GatewayJwt, JwtProvider } from '../model/jwt';
import { dnsCluster } from './cluster';
import { JWT_AUTHN, JWT_PER_ROUTE } from './extensions';
import { jwksCluster } from './names';

type Json = Record<string, unknown>;
export const JWT_FILTER = 'envoy.filters.http.jwt_authn';

export const requirementName = (providers: readonly string[]) => `any-of:${[...providers].sort().join(',')}`;

function jwksUri(p: JwtProvider): URL | undefined {
  return p.jwks.uri ? new URL(p.jwks.uri) : undefined;
}

function jwksPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

function provider(p: JwtProvider): Json {
  const out: Json = { issuer: p.issuer, forward: p.forwardToken, clock_skew_seconds: durationMs(p.clockSkew) / 1000 };
  if (p.audiences) out.audiences = p.audiences;
  const uri = jwksUri(p);
  if (uri) {
    out.remote_jwks = {
      http_uri: { uri: uri.href, cluster: jwksCluster(uri.hostname, jwksPort(uri)), timeout: '5s' },
      cache_duration: envoyDuration(durationMs(p.jwks.cacheDuration ?? '10m')),
      // Fetch at startup and keep serving the cached keys if a refresh fails.
      async_fetch: {},
    };
  } else {
    out.local_jwks = { filename: p.jwks.file };
  }
  if (p.forwardClaims)
    out.claim_to_headers = Object.entries(p.forwardClaims)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([claim, header]) => ({ claim_name: claim, header_name: header }));
  return out;
}

export function jwtAuthnFilter(jwt: GatewayJwt, requirements: readonly (readonly string[])[]): Json {
  const providers = Object.fromEntries(
    Object.entries(jwt.providers)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, p]) => [name, provider(p)]),
  );
  const requirement_map: Record<string, Json> = {};
  for (const set of requirements) {
    if (set.length === 0) continue;
    requirement_map[requirementName(set)] =
      set.length === 1
        ? { provider_name: set[0] }
        : { requires_any: { requirements: [...set].sort().map((n) => ({ provider_name: n })) } };
  }
  return { name: JWT_FILTER, typed_config: { '@type': JWT_AUTHN, providers, requirement_map } };
}

/** The per-route config: the route's requirement, or no token needed. */
export function jwtPerRoute(providers: readonly string[]): Json {
  return {
    [JWT_FILTER]: providers.length
      ? { '@type': JWT_PER_ROUTE, requirement_name: requirementName(providers) }
      : { '@type': JWT_PER_ROUTE, disabled: true },
  };
}

/** Clusters the gateway fetches remote JWKS documents through, one per host and port. */
export function jwksClusters(jwt: GatewayJwt): Json[] {
  const clusters = new Map<string, Json>();
  for (const p of Object.values(jwt.providers)) {
    const uri = jwksUri(p);
    if (!uri) continue;
    const port = jwksPort(uri);
    const name = jwksCluster(uri.hostname, port);
    const c = dnsCluster(name, uri.hostname, port, uri.protocol === 'https:' ? uri.hostname : undefined);
    clusters.set(name, c);
  }
  return [...clusters.keys()].sort().map((k) => clusters.get(k)!);
}
