/**
 * Property: for any App Mesh route spec the API's shapes allow, the importer never throws;
 * it either converts (and the mesh validates, compiles, and keeps the route's weights and
 * priority) or refuses with errors that name the file. Specs are built with the
 * `@aws-sdk/client-app-mesh` types, so they stay within the real API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  GrpcRetryPolicyEvent,
  GrpcRoute,
  HttpMethod,
  HttpRoute,
  HttpRouteHeader,
  HttpScheme,
  PortProtocol,
  RouteSpec,
  TcpRetryPolicyEvent,
  TcpRoute,
  WeightedTarget,
} from '@aws-sdk/client-app-mesh';
import fc from 'fast-check';
import { importAppMesh } from '../../lib/appmesh/import-mesh';
import { compile } from '../../lib/compiler/compile';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { cliInput } from './support/forms';

afterAll(removeTempDirs);

/** Mostly values App Mesh users write, sometimes ones the Trellis model refuses: both outcomes get tested. */
const mostly = <T>(tame: fc.Arbitrary<T>, wild: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: tame, weight: 12 }, { arbitrary: wild, weight: 1 });

const duration = mostly(
  fc.oneof(
    fc.record({ value: fc.integer({ min: 1, max: 5000 }), unit: fc.constant('ms' as const) }),
    fc.record({ value: fc.integer({ min: 1, max: 60 }), unit: fc.constant('s' as const) }),
  ),
  fc.record({ value: fc.integer({ min: 0, max: 200_000 }), unit: fc.constantFrom('ms' as const, 's' as const) }),
);
const text = fc.string({ minLength: 1, maxLength: 12 });
const headerName = mostly(fc.constantFrom('x-client', 'x-version', 'user-agent', 'x-tier'), text);

const headerMatch = fc.oneof(
  fc.record({ exact: fc.string({ maxLength: 8 }) }),
  fc.record({ prefix: text }),
  fc.record({ suffix: text }),
  fc.record({ regex: mostly(fc.constantFrom('android.*', '[0-9]+', 'a|b', '.*', 'x?y'), fc.constant('(unclosed')) }),
  fc.record({
    range: mostly(
      fc
        .integer({ min: -5, max: 10 })
        .chain((start) =>
          fc.record({ start: fc.constant(start), end: fc.integer({ min: start + 1, max: start + 20 }) }),
        ),
      fc.record({ start: fc.integer({ min: -5, max: 10 }), end: fc.integer({ min: -5, max: 10 }) }),
    ),
  }),
);
const header: fc.Arbitrary<HttpRouteHeader> = fc.record(
  { name: headerName, invert: fc.boolean(), match: headerMatch },
  { requiredKeys: ['name'] },
);

const targets: fc.Arbitrary<WeightedTarget[]> = fc.uniqueArray(
  fc.record(
    {
      virtualNode: mostly(fc.constantFrom('node-a', 'node-b', 'node-c'), fc.constant('ghost')),
      weight: fc.integer({ min: 0, max: 100 }),
      port: mostly(fc.constant(8080), fc.constant(9090)),
    },
    { requiredKeys: ['virtualNode', 'weight'] },
  ),
  { minLength: 1, maxLength: 4, selector: (t) => t.virtualNode },
);

const retryPolicy = fc.record(
  {
    maxRetries: mostly(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 100 })),
    perRetryTimeout: duration,
    httpRetryEvents: mostly(
      fc.subarray(['server-error', 'gateway-error', 'client-error', 'stream-error'], { minLength: 1 }),
      fc.constant<string[]>([]),
    ),
    tcpRetryEvents: fc.subarray<TcpRetryPolicyEvent>(['connection-error']),
  },
  { requiredKeys: ['maxRetries', 'perRetryTimeout'] },
);
const timeout = fc.record({ perRequest: duration, idle: duration }, { requiredKeys: [] });
const port = mostly(fc.constant(8080), fc.constant(9090));
const httpPath = mostly(
  fc.oneof(
    fc.record({ prefix: fc.constantFrom('/', '/api', '/api/v2') }),
    fc.record({
      path: fc.oneof(
        fc.record({ exact: fc.constantFrom('/exact', '/x') }),
        fc.record({ regex: fc.constant('/a/[0-9]+') }),
      ),
    }),
    fc.constant({}),
  ),
  fc.record(
    {
      prefix: fc.constantFrom('no-slash', '/'),
      path: fc.oneof(fc.record({ exact: fc.constant('/x') }), fc.record({ regex: fc.constant('(bad') })),
    },
    { requiredKeys: [] },
  ),
);

const httpRoute: fc.Arbitrary<HttpRoute> = fc.record(
  {
    match: fc
      .tuple(
        httpPath,
        fc.record(
          {
            headers: fc.array(header, { maxLength: 3 }),
            queryParameters: fc.array(
              fc.record(
                { name: text, match: fc.record({ exact: fc.string({ maxLength: 5 }) }) },
                { requiredKeys: ['name'] },
              ),
              { maxLength: 2 },
            ),
            method: fc.constantFrom<HttpMethod>('GET', 'POST', 'DELETE'),
            scheme: fc.constantFrom<HttpScheme>('http', 'https'),
            port,
          },
          { requiredKeys: [] },
        ),
      )
      .map(([path, rest]) => ({ ...path, ...rest })),
    action: fc.record({ weightedTargets: targets }),
    retryPolicy,
    timeout,
  },
  { requiredKeys: ['match', 'action'] },
);

const grpcRoute: fc.Arbitrary<GrpcRoute> = fc.record(
  {
    match: fc.record(
      {
        serviceName: fc.constantFrom('shop.v1.Catalog', 'x.Y'),
        methodName: fc.constantFrom('Get', 'List'),
        metadata: fc.array(header, { maxLength: 2 }),
        port,
      },
      { requiredKeys: ['serviceName'] },
    ),
    action: fc.record({ weightedTargets: targets }),
    retryPolicy: fc.record(
      {
        maxRetries: fc.integer({ min: 0, max: 10 }),
        perRetryTimeout: duration,
        grpcRetryEvents: fc.subarray<GrpcRetryPolicyEvent>(
          ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'],
          { minLength: 1 },
        ),
        httpRetryEvents: fc.subarray(['server-error', 'stream-error']),
      },
      { requiredKeys: ['maxRetries', 'perRetryTimeout'] },
    ),
    timeout,
  },
  { requiredKeys: ['match', 'action'] },
);

const tcpRoute: fc.Arbitrary<TcpRoute> = fc.record(
  {
    match: fc.record({ port }, { requiredKeys: [] }),
    action: fc.record({ weightedTargets: targets }),
    timeout: fc.record({ idle: duration }, { requiredKeys: [] }),
  },
  { requiredKeys: ['action'] },
);

const routeSpec: fc.Arbitrary<{ protocol: PortProtocol; spec: RouteSpec }> = fc
  .tuple(
    fc.oneof(
      httpRoute.map((r) => ({ protocol: 'http' as PortProtocol, spec: { httpRoute: r } as RouteSpec })),
      httpRoute.map((r) => ({ protocol: 'http2' as PortProtocol, spec: { http2Route: r } as RouteSpec })),
      grpcRoute.map((r) => ({ protocol: 'grpc' as PortProtocol, spec: { grpcRoute: r } as RouteSpec })),
      tcpRoute.map((r) => ({ protocol: 'tcp' as PortProtocol, spec: { tcpRoute: r } as RouteSpec })),
    ),
    fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  )
  .map(([r, priority]) => ({ ...r, spec: priority === undefined ? r.spec : { ...r.spec, priority } }));

let dir: string;
let n = 0;
beforeAll(() => {
  dir = tempDir('trellis-appmesh-property-');
});

/** A router of `protocol` on 8080, three nodes on it, one virtual service, and the route under test. */
function writeInput(protocol: PortProtocol, spec: RouteSpec): string[] {
  const listener = { portMapping: { port: 8080, protocol } };
  const resources = [
    ...['node-a', 'node-b', 'node-c'].map((name) =>
      cliInput(
        {
          kind: 'virtualNode',
          name,
          spec: { listeners: [listener], serviceDiscovery: { dns: { hostname: `${name}.internal` } } },
        },
        'm',
      ),
    ),
    cliInput({ kind: 'virtualRouter', name: 'r', spec: { listeners: [listener] } }, 'm'),
    cliInput(
      { kind: 'virtualService', name: 'svc.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } },
      'm',
    ),
  ];
  const base = join(dir, `mesh-${n}.json`);
  const route = join(dir, `route-${n++}.json`);
  writeFileSync(base, JSON.stringify(resources));
  writeFileSync(route, JSON.stringify(cliInput({ kind: 'route', name: 'under-test', parent: 'r', spec }, 'm')));
  return [base, route];
}

it('never throws; converts to a valid, compilable mesh that keeps weights and priority, or reports errors', async () => {
  let converted = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(routeSpec, async ({ protocol, spec }) => {
      const files = writeInput(protocol, spec);
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
      const route = (mesh.services as Record<string, any>)['svc.local'].routes[0];
      const body = (spec.httpRoute ?? spec.http2Route ?? spec.grpcRoute ?? spec.tcpRoute)!;
      expect(route.priority).toBe(spec.priority);
      expect(route.targets.map((t: { weight: number }) => t.weight)).toEqual(
        body.action!.weightedTargets!.map((t) => t.weight),
      );
    }),
    { numRuns: 150 },
  );
  // Both outcomes happen, so the property tests both paths.
  expect(converted).toBeGreaterThan(20);
  expect(refused).toBeGreaterThan(5);
}, 120_000);
