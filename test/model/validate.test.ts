/** The validator: every problem at once, one `<path>: <reason>` line each, never a crash. */
import { parseMeshText } from '../../lib/model/load';
import type { MeshSpec } from '../../lib/model/mesh';
import { formatPath, formatProblem } from '../../lib/model/problem';
import { defineMesh, validateMesh } from '../../lib/model/validate';

const base = (): any => ({
  name: 'demo',
  services: {
    catalog: {
      versions: {
        v1: { listeners: [{ port: 8080, protocol: 'http' }] },
        v2: { listeners: [{ port: 8080, protocol: 'http' }] },
      },
      routes: [
        {
          name: 'split',
          targets: [
            { version: 'v1', weight: 90 },
            { version: 'v2', weight: 10 },
          ],
        },
      ],
    },
    frontend: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }], backends: ['catalog'] } } },
  },
  gateways: {
    ingress: {
      listeners: [{ port: 8080, protocol: 'http' }],
      routes: [{ name: 'web', match: { path: { prefix: '/' } }, target: { service: 'frontend' } }],
    },
  },
});

function lines(mutate: (m: any) => void): string[] {
  const m = base();
  mutate(m);
  return validateMesh(m).problems.map(formatProblem);
}

test('the base mesh is valid', () => {
  expect(lines(() => {})).toEqual([]);
});

test.each<[string, (m: any) => void, string[]]>([
  [
    'an unknown field, with a suggestion',
    (m) => (m.services.catalog.routes[0].targets[0].weigth = 1),
    ["services.catalog.routes[0].targets[0].weigth: unknown field (did you mean 'weight'?)"],
  ],
  [
    'a bad protocol',
    (m) => (m.services.catalog.versions.v1.listeners[0].protocol = 'htp'),
    ['services.catalog.versions.v1.listeners[0].protocol: must be one of "http", "http2", "grpc", "tcp" (got "htp")'],
  ],
  [
    'a regex Envoy refuses',
    (m) => (m.services.catalog.routes[0].match = { headers: [{ name: 'x', regex: '(?=a)' }] }),
    [
      'services.catalog.routes[0].match.headers[0].regex: not a valid RE2 regex: lookahead is not supported by RE2 at offset 0',
    ],
  ],
  [
    'a header match with no comparison',
    (m) => (m.services.catalog.routes[0].match = { headers: [{ name: 'x' }] }),
    ['services.catalog.routes[0].match.headers[0]: set one of exact, prefix, suffix, regex, range, present'],
  ],
  [
    'a timeout out of range',
    (m) => (m.services.catalog.routes[0].timeout = { perRequest: '48h' }),
    [
      'services.catalog.routes[0].timeout.perRequest: 48h is out of range: must be between 1ms and 24h (or 0s to disable)',
    ],
  ],
  [
    'a target to an unknown version',
    (m) => (m.services.catalog.routes[0].targets[1].version = 'v3'),
    ["services.catalog.routes[0].targets[1].version: service 'catalog' has no version 'v3' (versions: v1, v2)"],
  ],
  [
    'a target to an unknown service',
    (m) => (m.services.catalog.routes[0].targets[1].service = 'nope'),
    ["services.catalog.routes[0].targets[1].service: no service named 'nope' in the mesh"],
  ],
  [
    'weights that sum to 0',
    (m) =>
      m.services.catalog.routes[0].targets.forEach((t: any) => {
        t.weight = 0;
      }),
    ['services.catalog.routes[0].targets: weights sum to 0, so no request could be routed'],
  ],
  [
    'duplicate listener ports',
    (m) => m.services.catalog.versions.v1.listeners.push({ port: 8080, protocol: 'http2' }),
    [
      'services.catalog.versions.v1.listeners[1].port: port 8080 is already used by another listener',
      'services.catalog.listeners: required: versions listen differently (v1: 8080/http, 8080/http2; v2: 8080/http); say which ports callers use',
    ],
  ],
  [
    'a per-retry timeout longer than the request',
    (m) => {
      m.services.catalog.routes[0].timeout = { perRequest: '1s' };
      m.services.catalog.routes[0].retryPolicy = {
        maxRetries: 2,
        perRetryTimeout: '2s',
        httpRetryEvents: ['server-error'],
      };
    },
    [
      "services.catalog.routes[0].retryPolicy.perRetryTimeout: 2s exceeds the route's perRequest timeout; no retry could ever start",
    ],
  ],
  [
    'several versions and no routes',
    (m) => delete m.services.catalog.routes,
    [
      'services.catalog.routes: required: the service has 2 versions (v1, v2); add a route that says how traffic splits between them',
    ],
  ],
  [
    'a backend that does not exist',
    (m) => m.services.frontend.versions.v1.backends.push('payments'),
    ["services.frontend.versions.v1.backends[1]: no service or external service named 'payments' in the mesh"],
  ],
  [
    'a gateway route to an unknown service',
    (m) => (m.gateways.ingress.routes[0].target.service = 'shop'),
    ["gateways.ingress.routes[0].target.service: no service named 'shop' in the mesh"],
  ],
  [
    'a prefix rewrite without a prefix match',
    (m) => {
      m.gateways.ingress.routes[0].match.path = { exact: '/x' };
      m.gateways.ingress.routes[0].rewrite = { prefix: '/y' };
    },
    ['gateways.ingress.routes[0].rewrite.prefix: needs a path prefix match'],
  ],
  [
    'a gRPC-only match on an HTTP route',
    (m) => (m.services.catalog.routes[0].match = { serviceName: 'a.B' }),
    [
      'services.catalog.routes[0].match.serviceName: http routes match on path, headers, queryParameters, method, scheme and body',
    ],
  ],
  [
    'a connection limit that does not fit the protocol',
    (m) => (m.services.catalog.versions.v1.listeners[0].connectionPool = { maxRequests: 10 }),
    [
      'services.catalog.versions.v1.listeners[0].connectionPool.maxRequests: does not apply to http listeners (use maxConnections or maxPendingRequests)',
    ],
  ],
  [
    'an HTTP health check without a path',
    (m) => (m.services.catalog.versions.v1.listeners[0].healthCheck = {}),
    ['services.catalog.versions.v1.listeners[0].healthCheck.path: required for http health checks'],
  ],
  [
    'a duplicate route name',
    (m) => m.services.catalog.routes.push({ ...m.services.catalog.routes[0] }),
    ["services.catalog.routes[1].name: route 'split' is already defined"],
  ],
  [
    'a service name that is not a DNS name',
    (m) => (m.services.Catalog_2 = m.services.catalog),
    [
      'services.Catalog_2: bad name: must be a lowercase DNS name (letters, digits, hyphens and dots) (got "Catalog_2")',
    ],
  ],
])('%s', (_what, mutate, expected) => {
  expect(lines(mutate)).toEqual(expected);
});

test('file problems carry the line and column of the offending field', () => {
  const text = [
    'name: demo',
    'services:',
    '  catalog:',
    '    versions:',
    '      v1:',
    '        listeners: [{ port: 70000, protocol: http }]',
    '    rutes: []',
    '',
  ].join('\n');
  expect(parseMeshText(text, 'mesh.yaml').problems.map(formatProblem)).toEqual([
    'mesh.yaml:6:23: services.catalog.versions.v1.listeners[0].port: must be at most 65535 (got 70000)',
    "mesh.yaml:7:5: services.catalog.rutes: unknown field (did you mean 'routes'?)",
  ]);
});

test('YAML syntax errors are positioned, not thrown', () => {
  const [p] = parseMeshText('name: demo\nservices: [\n', 'bad.yaml').problems;
  expect(formatProblem(p)).toMatch(/^bad\.yaml:\d+:\d+: \(root\): /);
});

test('paths quote keys that are not identifiers', () => {
  expect(formatPath(['services', 'catalog.demo.local', 'routes', 0])).toBe('services["catalog.demo.local"].routes[0]');
});

test('defineMesh gives a typed model or throws with every problem', () => {
  const spec: MeshSpec = base();
  expect(defineMesh(spec).services.map((s) => s.name)).toEqual(['catalog', 'frontend']);
  const bad = base();
  bad.services.catalog.routes[0].targets[1].version = 'v9';
  bad.egress = 'SOME';
  expect(() => defineMesh(bad)).toThrow(/egress: must be one of "ALLOW_ALL", "DROP_ALL"/);
});

test('schema problems and reference problems come out in one run', () => {
  expect(
    lines((m) => {
      m.services.catalog.routes[0].targets[0].weigth = 5;
      m.services.catalog.routes[0].targets[1].version = 'v3';
      m.services.frontend.versions.v1.backends.push('payments');
      m.gateways.ingress.listeners[0].protocol = 'udp';
    }),
  ).toEqual([
    "services.catalog.routes[0].targets[0].weigth: unknown field (did you mean 'weight'?)",
    'gateways.ingress.listeners[0].protocol: must be one of "http", "http2", "grpc" (got "udp")',
    "services.catalog.routes[0].targets[1].version: service 'catalog' has no version 'v3' (versions: v1, v2)",
    "services.frontend.versions.v1.backends[1]: no service or external service named 'payments' in the mesh",
  ]);
});
