/** Meshes and endpoints the AWS tests share: a small shop mesh as it is deployed and discovered. */
import type { EndpointSet } from '../../lib/compiler/endpoints';
import type { MeshSpec } from '../../lib/model/mesh';

export const SHOP: MeshSpec = {
  name: 'shop',
  services: {
    frontend: {
      versions: { v1: { listeners: [{ port: 8080, protocol: 'http' }], backends: ['catalog', 'reviews'] } },
    },
    catalog: {
      versions: {
        v1: { listeners: [{ port: 3000, protocol: 'http', healthCheck: { path: '/health' } }] },
        v2: { listeners: [{ port: 3000, protocol: 'http', healthCheck: { path: '/health' } }] },
      },
      routes: [
        {
          name: 'canary',
          targets: [
            { version: 'v1', weight: 90 },
            { version: 'v2', weight: 10 },
          ],
        },
      ],
    },
    reviews: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }] } } },
  },
  gateways: {
    ingress: {
      listeners: [{ port: 8080, protocol: 'http' }],
      routes: [{ name: 'web', match: { path: { prefix: '/' } }, target: { service: 'frontend' } }],
    },
  },
};

export const SHOP_PROXIES = ['catalog/v1', 'catalog/v2', 'frontend/v1', 'ingress', 'reviews/v1'];

/** Endpoints as Cloud Map would report them: `n` tasks per version from 10.0.<i>.<j>. */
export function shopEndpoints(n = 2): EndpointSet {
  const versions = ['catalog/v1', 'catalog/v2', 'frontend/v1', 'reviews/v1'];
  return Object.fromEntries(
    versions.map((v, i) => [
      v,
      Array.from({ length: n }, (_, j) => ({
        address: `10.0.${i}.${j + 10}`,
        port: v.startsWith('frontend') ? 8080 : 3000,
        health: 'HEALTHY' as const,
        zone: j % 2 ? 'eu-west-1b' : 'eu-west-1a',
      })),
    ]),
  );
}
