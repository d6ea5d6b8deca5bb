/**
 * Property: for any gateway route spec the App Mesh API's shapes allow, the importer never
 * throws; it converts (the mesh validates and compiles, and the rewrite keeps App Mesh's
 * meaning) or refuses with errors that name the file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  GatewayRouteHostnameMatch,
  GatewayRouteSpec,
  HttpGatewayRoute,
  HttpGatewayRouteMatch,
  HttpMethod,
} from '@aws-sdk/client-app-mesh';
import fc from 'fast-check';
import { importAppMesh } from '../../lib/appmesh/import-mesh';
import { compile } from '../../lib/compiler/compile';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { cliInput } from './support/forms';

afterAll(removeTempDirs);

const mostly = <T>(tame: fc.Arbitrary<T>, wild: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: tame, weight: 10 }, { arbitrary: wild, weight: 1 });

const hostname = mostly<GatewayRouteHostnameMatch>(
  fc.oneof(
    fc.record({ exact: fc.constantFrom('shop.example.com', 'api.example.com') }),
    fc.record({ suffix: fc.constantFrom('example.com', '.example.net') }),
  ),
  fc.record({ exact: fc.constant('a.com'), suffix: fc.constant('b.com') }),
);

const httpGatewayRoute: fc.Arbitrary<HttpGatewayRoute> = fc.record(
  {
    match: fc
      .tuple(
        mostly<Pick<HttpGatewayRouteMatch, 'prefix' | 'path'>>(
          fc.oneof(
            fc.record({ prefix: fc.constantFrom('/', '/store/', '/api') }),
            fc.record({
              path: fc.oneof(
                fc.record({ exact: fc.constantFrom('/old', '/x') }),
                fc.record({ regex: fc.constant('/v[0-9]+/.*') }),
              ),
            }),
          ),
          fc.record({ prefix: fc.constant('no-slash') }),
        ),
        fc.record(
          {
            hostname,
            headers: fc.array(
              fc.record({
                name: fc.constantFrom('x-a', 'x-b'),
                match: fc.record({ exact: fc.string({ maxLength: 4 }) }),
              }),
              {
                maxLength: 2,
              },
            ),
            queryParameters: fc.array(fc.record({ name: fc.constantFrom('q', 'page') }), { maxLength: 2 }),
            method: fc.constantFrom<HttpMethod>('GET', 'POST'),
            port: mostly(fc.constant(8000), fc.constant(9999)),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([path, rest]) => ({ ...path, ...rest })),
    action: fc.record(
      {
        target: fc.record(
          {
            virtualService: fc.record({
              virtualServiceName: mostly(fc.constant('catalog.local'), fc.constant('nowhere.local')),
            }),
            port: mostly(fc.constant(8080), fc.constant(1234)),
          },
          { requiredKeys: ['virtualService'] },
        ),
        rewrite: fc.record(
          {
            prefix: fc.oneof(
              fc.record({ defaultPrefix: fc.constantFrom('ENABLED' as const, 'DISABLED' as const) }),
              fc.record({ value: fc.constantFrom('/', '/v2/', '/catalog/') }),
            ),
            path: fc.record({ exact: fc.constantFrom('/new', '/') }),
            hostname: fc.record({ defaultTargetHostname: fc.constantFrom('ENABLED' as const, 'DISABLED' as const) }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['target'] },
    ),
  },
  { requiredKeys: ['match', 'action'] },
);

const gatewayRouteSpec: fc.Arbitrary<GatewayRouteSpec> = fc
  .tuple(httpGatewayRoute, fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }), fc.boolean())
  .map(([route, priority, http2]) => ({
    ...(priority === undefined ? {} : { priority }),
    ...(http2 ? { http2Route: route } : { httpRoute: route }),
  }));

let dir: string;
let n = 0;
beforeAll(() => {
  dir = tempDir('trellis-appmesh-gateway-property-');
});

function writeInput(spec: GatewayRouteSpec): string[] {
  const protocol = spec.http2Route ? 'http2' : 'http';
  const resources = [
    cliInput(
      {
        kind: 'virtualNode',
        name: 'catalog-v1',
        spec: {
          listeners: [{ portMapping: { port: 8080, protocol } }],
          serviceDiscovery: { dns: { hostname: 'catalog.internal' } },
        },
      },
      'm',
    ),
    cliInput(
      {
        kind: 'virtualService',
        name: 'catalog.local',
        spec: { provider: { virtualNode: { virtualNodeName: 'catalog-v1' } } },
      },
      'm',
    ),
    cliInput(
      { kind: 'virtualGateway', name: 'ingress', spec: { listeners: [{ portMapping: { port: 8000, protocol } }] } },
      'm',
    ),
  ];
  const base = join(dir, `mesh-${n}.json`);
  const route = join(dir, `gateway-route-${n++}.json`);
  writeFileSync(base, JSON.stringify(resources));
  writeFileSync(
    route,
    JSON.stringify(cliInput({ kind: 'gatewayRoute', name: 'under-test', parent: 'ingress', spec }, 'm')),
  );
  return [base, route];
}

it('never throws; converts keeping the rewrite App Mesh meant, or reports errors naming the file', async () => {
  let converted = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(gatewayRouteSpec, async (spec) => {
      const files = writeInput(spec);
      const { mesh, report } = await importAppMesh(files);
      if (!mesh) {
        refused++;
        const errors = report.entries.filter((e) => e.kind === 'error');
        expect(errors.length).toBeGreaterThan(0);
        for (const e of errors) expect(files.some((f) => e.file.startsWith(f))).toBe(true);
        return;
      }
      converted++;
      const { model, problems } = validateMesh(mesh);
      expect(problems).toEqual([]);
      expect(compile(model!).problems).toEqual([]);
      const route = model!.gateways[0].routes.find((r) => r.name === 'under-test')!;
      const body = (spec.httpRoute ?? spec.http2Route)!;
      const rw = body.action?.rewrite;
      // App Mesh: the matched prefix becomes '/' unless a value replaces it or the default is disabled.
      if (rw?.path?.exact !== undefined) expect(route.pathRewrite).toBe(rw.path.exact);
      else if (body.match?.prefix !== undefined) {
        const expected = rw?.prefix?.value ?? (rw?.prefix?.defaultPrefix === 'DISABLED' ? false : '/');
        expect(route.prefixRewrite).toBe(expected);
      } else expect(route.prefixRewrite).toBe(false);
      expect(route.hostnameRewrite).toBe(rw?.hostname?.defaultTargetHostname === 'DISABLED' ? 'keep' : 'target');
      expect(route.hostname).toEqual(body.match?.hostname);
    }),
    { numRuns: 150 },
  );
  expect(converted).toBeGreaterThan(20);
  expect(refused).toBeGreaterThan(5);
}, 120_000);
