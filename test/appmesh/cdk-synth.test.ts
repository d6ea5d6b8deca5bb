/**
 * An aws-cdk app built with `aws-cdk-lib/aws-appmesh`, synthesized as `cdk synth` does, then
 * imported: the same path as a hand-written CloudFormation template, with the names and
 * `Fn::GetAtt` references aws-cdk generates.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as appmesh from 'aws-cdk-lib/aws-appmesh';
import { compile } from '../../lib/compiler/compile';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { trellisImport } from './support/import-cli';

afterAll(removeTempDirs);

function shopStack(): Stack {
  const app = new App();
  const stack = new Stack(app, 'Shop');
  const mesh = new appmesh.Mesh(stack, 'Mesh', { meshName: 'shop', egressFilter: appmesh.MeshFilterType.ALLOW_ALL });
  const node = (id: string, host: string) =>
    mesh.addVirtualNode(id, {
      virtualNodeName: id.toLowerCase(),
      serviceDiscovery: appmesh.ServiceDiscovery.dns(host),
      listeners: [
        appmesh.VirtualNodeListener.http({
          port: 8080,
          healthCheck: appmesh.HealthCheck.http({ path: '/health', interval: Duration.seconds(10) }),
          timeout: { perRequest: Duration.seconds(20) },
          outlierDetection: {
            baseEjectionDuration: Duration.seconds(30),
            interval: Duration.seconds(10),
            maxEjectionPercent: 20,
            maxServerErrors: 5,
          },
        }),
      ],
    });
  const v1 = node('CatalogV1', 'v1.catalog.internal');
  const v2 = node('CatalogV2', 'v2.catalog.internal');
  const router = mesh.addVirtualRouter('Router', { listeners: [appmesh.VirtualRouterListener.http(8080)] });
  router.addRoute('Android', {
    routeSpec: appmesh.RouteSpec.http({
      priority: 10,
      weightedTargets: [{ virtualNode: v2 }],
      match: {
        path: appmesh.HttpRoutePathMatch.startsWith('/'),
        headers: [appmesh.HeaderMatch.valueStartsWith('x-client', 'android')],
      },
      retryPolicy: {
        retryAttempts: 3,
        retryTimeout: Duration.millis(500),
        httpRetryEvents: [appmesh.HttpRetryEvent.SERVER_ERROR],
        tcpRetryEvents: [appmesh.TcpRetryEvent.CONNECTION_ERROR],
      },
    }),
  });
  router.addRoute('Canary', {
    routeSpec: appmesh.RouteSpec.http({
      priority: 100,
      weightedTargets: [
        { virtualNode: v1, weight: 90 },
        { virtualNode: v2, weight: 10 },
      ],
      timeout: { perRequest: Duration.seconds(5) },
    }),
  });
  const catalog = new appmesh.VirtualService(stack, 'Catalog', {
    virtualServiceName: 'catalog.shop.local',
    virtualServiceProvider: appmesh.VirtualServiceProvider.virtualRouter(router),
  });
  const gateway = mesh.addVirtualGateway('Ingress', {
    virtualGatewayName: 'ingress',
    listeners: [appmesh.VirtualGatewayListener.http({ port: 8000 })],
  });
  gateway.addGatewayRoute('Store', {
    routeSpec: appmesh.GatewayRouteSpec.http({
      routeTarget: catalog,
      match: {
        path: appmesh.HttpGatewayRoutePathMatch.startsWith('/store/', '/'),
        hostname: appmesh.GatewayRouteHostnameMatch.exactly('shop.example.com'),
      },
    }),
  });
  return stack;
}

it('imports the synthesized template of an aws-appmesh app', async () => {
  // GIVEN the template `cdk synth` writes
  // Synthesis warns that App Mesh is shut down (W3696): the reason this importer exists. Only that.
  const warnings = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const template = Template.fromStack(shopStack()).toJSON();
  for (const [message] of warnings.mock.calls) expect(String(message)).toMatch(/W3696|will be shut down/);
  warnings.mockRestore();
  const file = join(tempDir('trellis-appmesh-cdk-'), 'Shop.template.json');
  writeFileSync(file, JSON.stringify(template, null, 1));

  // WHEN
  const r = await trellisImport('appmesh', file);

  // THEN
  expect(r.code).toBe(0);
  const { model, problems } = validateMesh(r.mesh);
  expect(problems).toEqual([]);
  expect(compile(model!).problems).toEqual([]);
  const mesh = r.mesh as any;
  expect(mesh.name).toBe('shop');
  expect(mesh.egress).toBe('ALLOW_ALL');
  const catalog = mesh.services['catalog.shop.local'];
  expect(Object.keys(catalog.versions)).toEqual(['catalogv1', 'catalogv2']);
  expect(catalog.versions.catalogv1.listeners[0]).toMatchObject({
    port: 8080,
    protocol: 'http',
    healthCheck: { protocol: 'http', path: '/health', interval: '10s' },
    timeout: { perRequest: '20s' },
    outlierDetection: { maxServerErrors: 5, interval: '10s', baseEjectionDuration: '30s', maxEjectionPercent: 20 },
  });
  const routes = catalog.routes;
  expect(routes.map((x: any) => x.priority)).toEqual([10, 100]);
  expect(routes[0]).toMatchObject({
    match: { path: { prefix: '/' }, headers: [{ name: 'x-client', prefix: 'android' }] },
    targets: [{ version: 'catalogv2', weight: 1 }],
    retryPolicy: { maxRetries: 3, perRetryTimeout: '500ms', httpRetryEvents: ['server-error'] },
  });
  expect(routes[1]).toMatchObject({
    targets: [
      { version: 'catalogv1', weight: 90 },
      { version: 'catalogv2', weight: 10 },
    ],
    timeout: { perRequest: '5s' },
  });
  expect(mesh.gateways.ingress.routes).toEqual([
    expect.objectContaining({
      target: { service: 'catalog.shop.local' },
      match: { hostname: { exact: 'shop.example.com' }, path: { prefix: '/store/' } },
      rewrite: { prefix: '/' },
    }),
  ]);
  expect(r.lines.filter((l) => l.includes(': error: '))).toEqual([]);
});
