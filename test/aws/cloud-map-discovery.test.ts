/** Cloud Map instances → endpoints: attribute filters, addresses, ports, health, and revisions. */
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { CloudMapDiscovery } from '../../lib/discovery/cloud-map';
import type { MeshSpec } from '../../lib/model/mesh';
import { validateMesh } from '../../lib/model/validate';
import { FakeCloudMap } from '../support/fake-cloud-map';

const MESH: MeshSpec = {
  name: 'shop',
  services: {
    catalog: {
      versions: {
        v1: {
          listeners: [{ port: 3000, protocol: 'http' }],
          discovery: {
            cloudMap: {
              namespace: 'shop.local',
              service: 'catalog',
              attributes: { ECS_TASK_DEFINITION_FAMILY: 'cat-v1' },
            },
          },
        },
        v2: {
          listeners: [{ port: 3000, protocol: 'http' }],
          discovery: {
            cloudMap: {
              namespace: 'shop.local',
              service: 'catalog',
              attributes: { ECS_TASK_DEFINITION_FAMILY: 'cat-v2' },
            },
          },
        },
      },
      routes: [
        {
          name: 'split',
          targets: [
            { version: 'v1', weight: 1 },
            { version: 'v2', weight: 1 },
          ],
        },
      ],
    },
    // Model defaults: namespace = mesh name, service = service name, attributes { version }.
    reviews: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }] } } },
    legacy: {
      versions: {
        v1: { listeners: [{ port: 80, protocol: 'http' }], discovery: { dns: { hostname: 'legacy.example' } } },
      },
    },
  },
};
const model = validateMesh(MESH).model!;

let cloudMap: FakeCloudMap;
let warnings: string[];
let discovery: CloudMapDiscovery;

beforeEach(() => {
  cloudMap = new FakeCloudMap();
  warnings = [];
  discovery = new CloudMapDiscovery({
    client: new ServiceDiscoveryClient({ region: 'eu-west-1' }),
    onWarning: (m) => warnings.push(m),
  });
});
afterEach(() => cloudMap.restore());

test('versions take the instances whose attributes match, as endpoints', async () => {
  // GIVEN two versions registered into one Cloud Map service, told apart by task family
  cloudMap.registerTask('shop.local', 'catalog', { id: 't1', ip: '10.0.1.10', port: 3000, family: 'cat-v1' });
  cloudMap.registerTask('shop.local', 'catalog', {
    id: 't2',
    ip: '10.0.2.10',
    port: 3000,
    family: 'cat-v2',
    zone: 'eu-west-1b',
    health: 'UNHEALTHY',
  });
  cloudMap.createService('shop', 'reviews');
  // WHEN
  const endpoints = await discovery.endpoints(model);
  // THEN
  expect(endpoints['catalog/v1']).toEqual([
    { address: '10.0.1.10', port: 3000, health: 'HEALTHY', zone: 'eu-west-1a', instanceId: 't1' },
  ]);
  expect(endpoints['catalog/v2']).toEqual([
    { address: '10.0.2.10', port: 3000, health: 'UNHEALTHY', zone: 'eu-west-1b', instanceId: 't2' },
  ]);
  expect(endpoints['reviews/v1']).toEqual([]);
  // DNS discovery is the proxy's business, not Cloud Map's.
  expect(endpoints['legacy/v1']).toBeUndefined();
  // One DiscoverInstances per Cloud Map service, not per version.
  expect(cloudMap.calls.discoverInstances).toBe(2);
});

test('an unchanged revision skips DiscoverInstances; a change fetches again', async () => {
  cloudMap.registerTask('shop.local', 'catalog', { id: 't1', ip: '10.0.1.10', port: 3000, family: 'cat-v1' });
  cloudMap.createService('shop', 'reviews');
  await discovery.endpoints(model);
  expect(discovery.lastRun).toEqual({ fetched: 2, unchanged: 0 });

  const again = await discovery.endpoints(model);
  expect(discovery.lastRun).toEqual({ fetched: 0, unchanged: 2 });
  expect(cloudMap.calls.discoverInstances).toBe(2);
  expect(cloudMap.calls.discoverInstancesRevision).toBe(2);
  expect(again['catalog/v1']).toHaveLength(1);

  cloudMap.deregister('shop.local', 'catalog', 't1');
  const after = await discovery.endpoints(model);
  expect(discovery.lastRun).toEqual({ fetched: 1, unchanged: 1 });
  expect(after['catalog/v1']).toEqual([]);
});

test('a Cloud Map service that does not exist yet is no endpoints and a warning, not a failure', async () => {
  cloudMap.createService('shop.local', 'catalog');
  const endpoints = await discovery.endpoints(model);
  expect(endpoints['reviews/v1']).toEqual([]);
  expect(warnings).toEqual(['shop/reviews: no such service']);
});

test('instances without a usable address or port are skipped with a warning', async () => {
  cloudMap.registerTask('shop.local', 'catalog', { id: 'good', ip: '10.0.1.10', port: 3000, family: 'cat-v1' });
  cloudMap.registerTask('shop.local', 'catalog', { id: 'badport', ip: '10.0.1.11', port: 0, family: 'cat-v1' });
  cloudMap.createService('shop', 'reviews');
  const endpoints = await discovery.endpoints(model);
  expect(endpoints['catalog/v1'].map((e) => e.instanceId)).toEqual(['good']);
  expect(warnings).toEqual(["catalog/v1: instance badport has AWS_INSTANCE_PORT '0'; skipped"]);
});

test('other errors fail the run, so the controller retries rather than publishing less', async () => {
  cloudMap.mock.rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  await expect(discovery.endpoints(model)).rejects.toThrow('Rate exceeded');
});
