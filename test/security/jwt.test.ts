/**
 * JWT at the gateway (envoy.filters.http.jwt_authn): RS256 tokens checked against a remote JWKS
 * fetched through a cluster (cached, refreshed, last good kept), ES256 tokens against a local
 * JWKS file, per-route requirements, claim_to_headers, forward=false, and Envoy's 401/403 answers.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { tempDir } from '../support/temp-dir';
import { closeAllUpstreams, type HttpUpstream, startUpstream } from '../support/upstream';
import { sleep, waitFor } from '../support/wait';

jest.setTimeout(60_000);

const HOST = 'svc.local';
const ISSUER = 'https://login.bank.example';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaNext = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function jwk(pub: KeyObject, kid: string, alg: string) {
  return { ...pub.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

function token(key: KeyObject, alg: 'RS256' | 'ES256', kid: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const h = Buffer.from(JSON.stringify({ alg, kid, typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ iat: now, exp: now + 300, ...claims })).toString('base64url');
  const input = Buffer.from(`${h}.${p}`);
  const sig = alg === 'ES256' ? sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', input, key);
  return `${h}.${p}.${sig.toString('base64url')}`;
}

const corp = (claims: Record<string, unknown> = {}, key = rsa.privateKey, kid = 'k1') =>
  token(key, 'RS256', kid, { iss: ISSUER, aud: 'bank-api', sub: 'alice', org: { tenant: 'acme' }, ...claims });

let app: HttpUpstream;
let jwksServer: Server;
let jwksBody = '';
let jwksStatus = 200;
let jwksFetches = 0;
let proxy: ProxyHandle;
let origin: string;

beforeAll(async () => {
  app = await startUpstream('app');
  jwksBody = JSON.stringify({ keys: [jwk(rsa.publicKey, 'k1', 'RS256')] });
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(jwksStatus, { 'content-type': 'application/json' });
    res.end(jwksStatus === 200 ? jwksBody : 'down');
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksPort = (jwksServer.address() as { port: number }).port;
  const dir = tempDir('trellis-jwt-');
  const partnersJwks = join(dir, 'partners.json');
  writeFileSync(partnersJwks, JSON.stringify({ keys: [jwk(ec.publicKey, 'p1', 'ES256')] }));
  const perRoute = (config: object) => ({
    'envoy.filters.http.jwt_authn': {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig',
      ...config,
    },
  });
  const doc = httpBootstrap({
    clusters: { app: [app.port], jwks: [jwksPort] },
    virtualHosts: [
      {
        name: 'svc',
        domains: ['*'],
        routes: [
          {
            match: { prefix: '/public' },
            route: { cluster: 'app' },
            typed_per_filter_config: perRoute({ disabled: true }),
          },
          {
            match: { prefix: '/ledger' },
            route: { cluster: 'app' },
            typed_per_filter_config: perRoute({ requirement_name: 'partners' }),
          },
          { match: { prefix: '/' }, route: { cluster: 'app' } },
        ],
      },
    ],
    httpFilters: [
      {
        name: 'envoy.filters.http.jwt_authn',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
          providers: {
            corp: {
              issuer: ISSUER,
              audiences: ['bank-api'],
              remote_jwks: {
                http_uri: { uri: 'http://login.bank.example/.well-known/jwks.json', cluster: 'jwks', timeout: '1s' },
                cache_duration: '2s',
              },
              forward: false,
              clock_skew_seconds: 30,
              claim_to_headers: [
                { header_name: 'x-user-id', claim_name: 'sub' },
                { header_name: 'x-tenant', claim_name: 'org.tenant' },
              ],
            },
            partners: { issuer: 'partners.bank.example', local_jwks: { filename: partnersJwks }, forward: true },
          },
          rules: [{ match: { prefix: '/' }, requires: { provider_name: 'corp' } }],
          requirement_map: { partners: { provider_name: 'partners' } },
        },
      },
    ],
  });
  proxy = await startProxy({ config: doc });
  origin = await proxy.origin();
});

afterAll(async () => {
  await proxy?.stop();
  await closeAllUpstreams();
  await new Promise((r) => jwksServer?.close(r));
});

const get = (path: string, headers: Record<string, string> = {}) =>
  httpRequest(`${origin}${path}`, { headers: { host: HOST, ...headers } });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

test('a valid RS256 token passes: claims become headers, the token is not forwarded', async () => {
  const r = await get('/accounts/1', bearer(corp()));
  expect(r.status).toBe(200);
  const seen = app.requests.at(-1)!;
  expect(seen.headers['x-user-id']).toBe('alice');
  expect(seen.headers['x-tenant']).toBe('acme');
  expect(seen.headers.authorization).toBeUndefined();
  expect(await proxy.stat('http.ingress.jwt_authn.allowed')).toBeGreaterThanOrEqual(1);
});

test('no token → 401 Jwt is missing with a Bearer challenge', async () => {
  const r = await get('/accounts/1?x=1');
  expect(r.status).toBe(401);
  expect(r.body).toBe('Jwt is missing');
  expect(r.headers['www-authenticate']).toBe(`Bearer realm="http://${HOST}/accounts/1"`);
});

test.each([
  ['expired beyond the clock skew', { exp: Math.floor(Date.now() / 1000) - 120 }, 'Jwt is expired'],
  ['not yet valid', { nbf: Math.floor(Date.now() / 1000) + 120 }, 'Jwt not yet valid'],
  ['another issuer', { iss: 'https://evil.example' }, 'Jwt issuer is not configured'],
])('%s → 401 invalid_token', async (_name, claims, message) => {
  const r = await get('/accounts/1', bearer(corp(claims)));
  expect(r.status).toBe(401);
  expect(r.body).toBe(message);
  expect(r.headers['www-authenticate']).toBe(`Bearer realm="http://${HOST}/accounts/1", error="invalid_token"`);
});

test('expired but within clock_skew_seconds (30 s) → accepted', async () => {
  expect((await get('/accounts/1', bearer(corp({ exp: Math.floor(Date.now() / 1000) - 10 })))).status).toBe(200);
});

test('a token signed by a key not in the JWKS → 401 Jwt verification fails', async () => {
  const r = await get('/accounts/1', bearer(corp({}, stranger.privateKey)));
  expect(r.status).toBe(401);
  expect(r.body).toBe('Jwt verification fails');
});

test('a tampered payload → 401', async () => {
  const [h, , s] = corp().split('.');
  const forged = Buffer.from(JSON.stringify({ iss: ISSUER, aud: 'bank-api', sub: 'root', exp: 9999999999 })).toString(
    'base64url',
  );
  expect((await get('/accounts/1', bearer(`${h}.${forged}.${s}`))).status).toBe(401);
  expect((await get('/accounts/1', bearer('not.a.jwt'))).status).toBe(401);
});

test('a token for another audience → 403', async () => {
  const r = await get('/accounts/1', bearer(corp({ aud: 'other-api' })));
  expect(r.status).toBe(403);
  expect(r.body).toBe('Audiences in Jwt are not allowed');
});

test('per route: disabled on /public (and claim headers cannot be spoofed there), another provider on /ledger', async () => {
  const r = await get('/public/rates', { 'x-user-id': 'mallory' });
  expect(r.status).toBe(200);
  expect(app.requests.at(-1)!.headers['x-user-id']).toBeUndefined();
  const ok = await get('/ledger/7', bearer(token(ec.privateKey, 'ES256', 'p1', { iss: 'partners.bank.example' })));
  expect(ok.status).toBe(200);
  // forward: true keeps the token for the upstream.
  expect(String(app.requests.at(-1)!.headers.authorization)).toMatch(/^Bearer /);
  expect((await get('/ledger/7', bearer(corp()))).status).toBe(401);
});

test('JWKS is cached, refreshed after cache_duration, and the last good keys are kept when the server fails', async () => {
  const before = jwksFetches;
  for (let i = 0; i < 5; i++) expect((await get('/accounts/c', bearer(corp()))).status).toBe(200);
  expect(jwksFetches - before).toBeLessThanOrEqual(1);
  // Rotation at the identity provider: a new key, published; after the cache expires it verifies.
  jwksBody = JSON.stringify({ keys: [jwk(rsa.publicKey, 'k1', 'RS256'), jwk(rsaNext.publicKey, 'k2', 'RS256')] });
  await sleep(2200);
  await waitFor(
    'the new key verifies',
    async () => (await get('/accounts/c', bearer(corp({}, rsaNext.privateKey, 'k2')))).status === 200,
  );
  // The JWKS server breaks: requests keep verifying with the last good keys.
  jwksStatus = 500;
  await sleep(2200);
  await waitFor('a failed refresh is counted', async () => {
    await get('/accounts/c', bearer(corp()));
    return (await proxy.stat('http.ingress.jwt_authn.jwks_fetch_failed')) > 0;
  });
  expect((await get('/accounts/c', bearer(corp()))).status).toBe(200);
  jwksStatus = 200;
});
