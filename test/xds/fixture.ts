/** A small mesh compiled for xDS tests: a frontend calling a catalog split 90/10 across v1 and v2. */
import { compile } from '../../lib/compiler/compile';
import type { EndpointSet } from '../../lib/compiler/endpoints';
import type { EnvoyResource, Snapshot } from '../../lib/compiler/snapshot';
import type { MeshSpec } from '../../lib/model/mesh';
import type { MeshModel } from '../../lib/model/model';

type Route = NonNullable<MeshSpec['services'][string]['routes']>[number];

import { defineMesh } from '../../lib/model/validate';

/** The mesh with the catalog's routes replaced (a live weight change, the canary ending). */
export function meshWithRoutes(routes: Route[]): MeshModel {
  return defineMesh({
    name: 'xds-test',
    services: {
      frontend: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }], backends: ['catalog'] } } },
      catalog: {
        versions: {
          v1: { listeners: [{ port: 3000, protocol: 'http' }] },
          v2: { listeners: [{ port: 3000, protocol: 'http' }] },
          v3: { listeners: [{ port: 3000, protocol: 'http' }] },
        },
        routes,
      },
    },
  });
}

export const MESH: MeshModel = meshWithRoutes([
  {
    name: 'canary',
    targets: [
      { version: 'v1', weight: 90 },
      { version: 'v2', weight: 10 },
    ],
  },
]);

export function endpoints(v1: number[], v2: number[] = [7002], v3: number[] = [7004]): EndpointSet {
  return {
    'catalog/v1': v1.map((port) => ({ address: '127.0.0.1', port })),
    'catalog/v2': v2.map((port) => ({ address: '127.0.0.1', port })),
    'catalog/v3': v3.map((port) => ({ address: '127.0.0.1', port })),
    'frontend/v1': [{ address: '127.0.0.1', port: 7100 }],
  };
}

export function snapshots(eps: EndpointSet = endpoints([7001]), mesh = MESH): Record<string, Snapshot> {
  const { snapshots, problems } = compile(mesh, eps);
  if (problems.length) throw new Error(JSON.stringify(problems));
  return { ...snapshots };
}

export const FRONTEND = 'frontend/v1';

/** The snapshot with every cluster passed through `change` (and a version saying so). */
export function withClusters(
  s: Snapshot,
  change: (c: EnvoyResource) => EnvoyResource,
  version = `${s.version}-x`,
): Snapshot {
  return { ...s, version, resources: { ...s.resources, clusters: s.resources.clusters.map(change) } };
}
