/**
 * `trellis import appmesh` on the shop mesh in each form App Mesh users keep it in: the
 * imported mesh validates, compiles to Envoy resources a proxy accepts, is the same mesh
 * whatever the form, and keeps App Mesh's routing semantics field by field.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compile } from '../../lib/compiler/compile';
import { validateSnapshot } from '../../lib/compiler/validate-snapshot';
import type { MeshSpec } from '../../lib/model/mesh';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { cfnTemplate, cfnYaml, writeApiFiles } from './support/forms';
import { type ImportRun, trellisImport } from './support/import-cli';
import { MESH, SHOP } from './support/shop-mesh';

type Json = Record<string, any>;

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

let dir: string;
const runs: Record<string, ImportRun> = {};
const files: Record<string, string[]> = {};

beforeAll(async () => {
  dir = tempDir('trellis-appmesh-');
  for (const form of ['describe', 'cli-input'] as const) {
    mkdirSync(join(dir, form));
    files[form] = writeApiFiles(join(dir, form), SHOP, MESH, form);
  }
  const template = cfnTemplate(SHOP);
  files['cfn-json'] = [join(dir, 'shop.template.json')];
  writeFileSync(files['cfn-json'][0], JSON.stringify(template, null, 2));
  files['cfn-yaml'] = [join(dir, 'shop.template.yaml')];
  writeFileSync(files['cfn-yaml'][0], cfnYaml(template));
  await Promise.all(
    Object.entries(files).map(async ([form, f]) => {
      runs[form] = await trellisImport('appmesh', ...f);
    }),
  );
});
afterAll(removeTempDirs);

const FORMS = ['describe', 'cli-input', 'cfn-json', 'cfn-yaml'];

describe.each(FORMS)('%s', (form) => {
  it('exits 0 with a mesh that validates and compiles to config Envoy accepts', () => {
    const r = runs[form];
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const { model, problems } = validateMesh(r.mesh);
    expect(problems).toEqual([]);
    const compiled = compile(model!);
    expect(compiled.problems).toEqual([]);
    for (const snapshot of Object.values(compiled.snapshots)) expect(validateSnapshot(snapshot)).toEqual([]);
    expect(Object.keys(compiled.snapshots).sort()).toEqual([
      'catalog.shop.local/catalog-v1',
      'catalog.shop.local/catalog-v2',
      'frontend.shop.local/frontend',
      'ingress',
      'ledger.shop.local/ledger',
      'ratings.shop.local/ratings',
      'reviews.shop.local/reviews-v1',
    ]);
  });

  it('is accepted by trellis validate as printed', async () => {
    const out = join(dir, `${form}.mesh.yaml`);
    writeFileSync(out, runs[form].stdout);
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', 'trellis.js'), 'validate', out], {
      cwd: ROOT,
    });
    expect(stdout).toBe('');
    expect(stderr).toMatch(/valid \(6 services, 6 versions, 1 gateways\)/);
  });

  it('is the same mesh as the describe-* form', () => {
    expect(runs[form].mesh).toEqual(runs.describe.mesh);
  });

  it('turns node TLS into mesh mTLS, reports what it replaced, and ends with a summary', () => {
    const cfn = form.startsWith('cfn');
    const where = (kind: string, api: string, cfnPath: string) =>
      cfn ? cfnPath : form === 'describe' ? `${kind}.${api}` : api;
    const paths = (kind: string) =>
      runs[form].lines.filter((l) => l.includes(`: ${kind}: `)).map((l) => l.split(': ')[1]);
    expect(runs[form].mesh?.mtls).toEqual({ mode: 'permissive' });
    // The gateway's TLS faces clients outside the mesh: Trellis gateways do not terminate it.
    expect(paths('not carried over')).toEqual([
      where(
        'virtualGateway',
        'spec.listeners[0].tls',
        'Resources.VirtualGatewayIngress.Properties.Spec.Listeners[0].TLS',
      ),
    ]);
    const inferred = paths('inferred');
    for (const [kind, api, cfnPath] of [
      ['virtualNode', 'spec.listeners[0].tls', 'Resources.VirtualNodeCatalogV1.Properties.Spec.Listeners[0].TLS'],
      [
        'virtualNode',
        'spec.backends[0].virtualService.clientPolicy',
        'Resources.VirtualNodeCatalogV1.Properties.Spec.Backends[0].VirtualService.ClientPolicy',
      ],
      [
        'virtualNode',
        'spec.backendDefaults.clientPolicy',
        'Resources.VirtualNodeCatalogV1.Properties.Spec.BackendDefaults.ClientPolicy',
      ],
      [
        'virtualGateway',
        'spec.backendDefaults.clientPolicy',
        'Resources.VirtualGatewayIngress.Properties.Spec.BackendDefaults.ClientPolicy',
      ],
    ])
      expect(inferred).toContain(where(kind, api, cfnPath));
    expect(runs[form].lines.at(-1)).toMatch(
      /^trellis import: mesh 'shop': 6 services, 6 versions, 1 gateway \(0 errors, 1 not carried over, 0 placeholders, \d+ inferred, \d+ ignored\)$/,
    );
  });
});

describe('App Mesh semantics in the imported mesh', () => {
  let mesh: MeshSpec;
  let svc: (name: string) => Json;
  beforeAll(() => {
    mesh = runs.describe.mesh!;
    svc = (name) => (mesh.services as Json)[name];
  });

  it('keeps the egress filter; virtual services become services, virtual nodes their versions', () => {
    expect(mesh.name).toBe('shop');
    expect(mesh.egress).toBe('DROP_ALL');
    expect(Object.keys(mesh.services).sort()).toEqual([
      'catalog.shop.local',
      'frontend.shop.local',
      'ledger.shop.local',
      'legacy.shop.local',
      'ratings.shop.local',
      'reviews.shop.local',
    ]);
    expect(Object.keys(svc('catalog.shop.local').versions)).toEqual(['catalog-v1', 'catalog-v2']);
    expect(Object.keys(svc('frontend.shop.local').versions)).toEqual(['frontend']);
  });

  it('carries listeners: health check, connection pool, outlier detection, timeouts', () => {
    expect(svc('catalog.shop.local').versions['catalog-v1'].listeners).toEqual([
      {
        port: 8080,
        protocol: 'http',
        healthCheck: {
          protocol: 'http',
          path: '/health',
          interval: '5s',
          timeout: '2s',
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        connectionPool: { maxConnections: 50, maxPendingRequests: 10 },
        outlierDetection: { maxServerErrors: 5, interval: '10s', baseEjectionDuration: '30s', maxEjectionPercent: 50 },
        timeout: { perRequest: '10s', idle: '1m' },
      },
    ]);
    expect(svc('reviews.shop.local').versions['reviews-v1'].listeners[0]).toMatchObject({
      protocol: 'http2',
      connectionPool: { maxRequests: 100 },
      timeout: { perRequest: '4s' },
    });
    expect(svc('ratings.shop.local').versions.ratings.listeners[0]).toMatchObject({
      protocol: 'grpc',
      connectionPool: { maxRequests: 200 },
      timeout: { perRequest: '3s', idle: '5m' },
    });
    expect(svc('ledger.shop.local').versions.ledger.listeners[0]).toMatchObject({
      protocol: 'tcp',
      connectionPool: { maxConnections: 20 },
      timeout: { idle: '10m' },
      healthCheck: { protocol: 'tcp', interval: '10s', timeout: '5s' },
    });
  });

  it('carries service discovery (the mesh IP preference where the node sets none), backends and access logs', () => {
    const v1 = svc('catalog.shop.local').versions['catalog-v1'];
    const v2 = svc('catalog.shop.local').versions['catalog-v2'];
    expect(v1.discovery).toEqual({
      cloudMap: {
        namespace: 'shop.local',
        service: 'catalog',
        attributes: { ECS_TASK_DEFINITION_FAMILY: 'catalog-v1' },
        ipPreference: 'IPv4_PREFERRED',
      },
    });
    expect(v2.discovery).toEqual({
      dns: { hostname: 'catalog-v2.shop.local', responseType: 'ENDPOINTS', ipPreference: 'IPv6_PREFERRED' },
    });
    expect(v1.backends).toEqual(['reviews.shop.local']);
    expect(svc('frontend.shop.local').versions.frontend.backends).toEqual([
      'catalog.shop.local',
      'reviews.shop.local',
      'ratings.shop.local',
      'ledger.shop.local',
      'legacy.shop.local',
    ]);
    expect(v1.accessLog).toEqual({ path: '/dev/stdout', text: '%START_TIME% %REQ(:PATH)% %RESPONSE_CODE%\n' });
    expect(v2.accessLog).toEqual({ path: '/dev/stdout', json: { path: '%REQ(:PATH)%', code: '%RESPONSE_CODE%' } });
  });

  it('carries routes: priority order, every match kind, weighted targets with ports, retries, timeouts', () => {
    const routes = svc('catalog.shop.local').routes;
    expect(routes.map((r: Json) => [r.name, r.priority])).toEqual([
      ['mobile', 10],
      ['beta', 20],
      ['beta-plain', 21],
      ['flaky', 30],
      ['slow', 40],
      ['search', 50],
      ['canary', 100],
    ]);
    const by = (n: string) => routes.find((r: Json) => r.name === n);
    expect(by('canary').targets).toEqual([
      { version: 'catalog-v1', weight: 50 },
      { version: 'catalog-v2', weight: 50 },
    ]);
    expect(by('mobile').match).toEqual({ path: { prefix: '/' }, headers: [{ name: 'x-client', prefix: 'android' }] });
    expect(by('beta').match).toEqual({
      path: { prefix: '/beta' },
      headers: [
        { name: 'x-version', range: { start: 1, end: 3 } },
        { name: 'x-debug', exact: 'off', invert: true },
      ],
      queryParameters: [{ name: 'preview', present: true }],
      method: 'GET',
      scheme: 'http',
    });
    expect(by('beta').targets).toEqual([{ version: 'catalog-v2', weight: 1, port: 8080 }]);
    expect(by('flaky').retryPolicy).toEqual({
      maxRetries: 2,
      perRetryTimeout: '800ms',
      httpRetryEvents: ['server-error', 'gateway-error'],
      tcpRetryEvents: ['connection-error'],
    });
    expect(by('slow')).toMatchObject({
      match: { path: { exact: '/slow' } },
      retryPolicy: { maxRetries: 0 },
      timeout: { perRequest: '700ms', idle: '30s' },
    });
    expect(by('search').match).toEqual({
      path: { regex: '/search/[a-z]+' },
      queryParameters: [{ name: 'q', exact: 'shoes' }],
    });
    const grpc = svc('ratings.shop.local').routes[0];
    expect(grpc).toMatchObject({
      name: 'get-rating',
      match: {
        serviceName: 'ratings.v1.Ratings',
        methodName: 'Get',
        metadata: [{ name: 'x-tier', regex: 'gold|silver' }],
      },
      retryPolicy: {
        maxRetries: 3,
        perRetryTimeout: '1s',
        grpcRetryEvents: ['unavailable', 'resource-exhausted'],
        httpRetryEvents: ['stream-error'],
      },
      timeout: { perRequest: '5s' },
    });
    expect(svc('ledger.shop.local').routes).toEqual([
      { name: 'ledger', match: { port: 5432 }, targets: [{ version: 'ledger', weight: 1 }], timeout: { idle: '1s' } },
    ]);
    // Without priorities, App Mesh matched the longer prefix first; here the header match is the longer one only by order.
    expect(svc('reviews.shop.local').routes.map((r: Json) => r.name)).toEqual(['reviews', 'reviews-default']);
    expect(svc('reviews.shop.local').routes[0].targets).toEqual([{ version: 'reviews-v1', weight: 100, port: 9090 }]);
  });

  it('turns a node provider into a one-version service, or into a route to the version it already is', () => {
    expect(svc('frontend.shop.local').routes).toBeUndefined();
    expect(svc('legacy.shop.local')).toEqual({
      versions: {},
      listeners: [{ port: 8080, protocol: 'http' }],
      routes: [
        { name: 'to-catalog-v1', targets: [{ service: 'catalog.shop.local', version: 'catalog-v1', port: 8080 }] },
      ],
    });
  });

  it('carries the virtual gateway: listeners, access log, hostname/path/header/query matches and rewrites', () => {
    const gw = (mesh.gateways as Json).ingress;
    expect(gw.listeners).toEqual([
      {
        port: 8000,
        protocol: 'http',
        healthCheck: {
          protocol: 'http',
          path: '/ping',
          interval: '6s',
          timeout: '2s',
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        connectionPool: { maxConnections: 1000, maxPendingRequests: 500 },
      },
      { port: 8001, protocol: 'grpc', connectionPool: { maxRequests: 1000 } },
    ]);
    expect(gw.accessLog).toEqual({ path: '/dev/stdout' });
    const by = (n: string) => gw.routes.find((r: Json) => r.name === n);
    expect(by('store')).toEqual({
      name: 'store',
      priority: 1,
      target: { service: 'catalog.shop.local' },
      match: { hostname: { exact: 'shop.example.com' }, path: { prefix: '/store/' }, port: 8000 },
      rewrite: { prefix: '/catalog/' },
    });
    expect(by('api')).toEqual({
      name: 'api',
      priority: 2,
      target: { service: 'catalog.shop.local', port: 8080 },
      match: {
        hostname: { suffix: 'example.net' },
        path: { prefix: '/api' },
        headers: [{ name: 'x-api-key', regex: '[0-9a-f]{8}' }],
        queryParameters: [{ name: 'format', exact: 'json' }],
        method: 'POST',
        port: 8000,
      },
      rewrite: { prefix: false, hostname: false },
    });
    expect(by('old-home').rewrite).toEqual({ path: '/new' });
    expect(by('ratings-grpc').match).toEqual({
      serviceName: 'ratings.v1.Ratings',
      metadata: [{ name: 'x-region', exact: 'eu' }],
      port: 8001,
    });
  });

  it('compiles to the Envoy routes App Mesh would have configured', () => {
    const { model } = validateMesh(mesh);
    const { snapshots } = compile(model!);
    const routes = snapshots['frontend.shop.local/frontend'].resources.routes as unknown as Json[];
    const vhost = routes.flatMap((r) => r.virtual_hosts).find((vh: Json) => vh.name === 'catalog.shop.local:8080');
    const byName = (n: string) => vhost.routes.find((r: Json) => r.name === `catalog.shop.local/${n}`);
    expect(vhost.routes.map((r: Json) => r.name.split('/')[1])).toEqual([
      'mobile',
      'beta',
      'beta-plain',
      'flaky',
      'slow',
      'search',
      'canary',
    ]);
    expect(byName('canary').route.weighted_clusters.clusters.map((c: Json) => c.weight)).toEqual([50, 50]);
    expect(byName('mobile').match.headers).toEqual([{ name: 'x-client', string_match: { prefix: 'android' } }]);
    expect(byName('flaky').route.retry_policy).toMatchObject({ num_retries: 2, per_try_timeout: '0.800s' });
    expect(byName('slow').route).toMatchObject({ timeout: '0.700s', idle_timeout: '30s' });
    expect(byName('slow').route.retry_policy).toBeUndefined();
    const gwRoutes = (snapshots.ingress.resources.routes as unknown as Json[]).flatMap((r) => r.virtual_hosts);
    const store = gwRoutes.find((vh: Json) => vh.name === 'exact:shop.example.com');
    expect(store.domains).toEqual(['shop.example.com']);
    expect(store.routes.find((r: Json) => r.name === 'ingress/store/catalog.shop.local/canary').route).toMatchObject({
      prefix_rewrite: '/catalog/',
    });
  });
});
