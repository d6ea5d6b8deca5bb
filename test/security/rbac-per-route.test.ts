/**
 * RBACPerRoute: a route can disable the HTTP RBAC filter (an RBACPerRoute without `rbac`) or
 * replace its rules; other routes keep the filter's own policy.
 */
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { closeAllUpstreams, startUpstream } from '../support/upstream';

jest.setTimeout(60_000);

const PER_ROUTE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
let proxy: ProxyHandle;
let origin: string;

beforeAll(async () => {
  const app = await startUpstream('app');
  const perRoute = (rbac?: object) => ({
    'envoy.filters.http.rbac': { '@type': PER_ROUTE, ...(rbac ? { rbac } : {}) },
  });
  proxy = await startProxy({
    config: httpBootstrap({
      clusters: { app: [app.port] },
      routes: [
        { match: { prefix: '/open' }, route: { cluster: 'app' }, typed_per_filter_config: perRoute() },
        {
          match: { prefix: '/read' },
          route: { cluster: 'app' },
          typed_per_filter_config: perRoute({
            rules: {
              action: 'ALLOW',
              policies: {
                'get-only': {
                  permissions: [{ header: { name: ':method', string_match: { exact: 'GET' } } }],
                  principals: [{ any: true }],
                },
              },
            },
          }),
        },
        { match: { prefix: '/' }, route: { cluster: 'app' } },
      ],
      httpFilters: [
        {
          name: 'envoy.filters.http.rbac',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
            // Nobody is authenticated on this plaintext listener: everything is refused …
            rules: {
              action: 'ALLOW',
              policies: { mesh: { permissions: [{ any: true }], principals: [{ authenticated: {} }] } },
            },
          },
        },
      ],
    }),
  });
  origin = await proxy.origin();
});

afterAll(async () => {
  await proxy?.stop();
  await closeAllUpstreams();
});

test('the filter policy applies by default; a route can disable or replace it', async () => {
  expect((await httpRequest(`${origin}/anything`)).status).toBe(403);
  // … except where a route disables the filter …
  expect((await httpRequest(`${origin}/open/x`)).status).toBe(200);
  // … or brings its own rules.
  expect((await httpRequest(`${origin}/read/x`)).status).toBe(200);
  expect((await httpRequest(`${origin}/read/x`, { method: 'POST', body: 'x' })).status).toBe(403);
  expect(await proxy.stat('http.ingress.rbac.denied')).toBe(2);
  expect(await proxy.stat('http.ingress.rbac.allowed')).toBe(1);
});
