/** The consistency check that guards every snapshot before it may be published. */

import { compile } from '../../lib/compiler/compile';
import { checkConsistency } from '../../lib/compiler/consistency';
import type { EnvoyResource, Snapshot } from '../../lib/compiler/snapshot';
import { endpointsFor, FIXTURES, loadModel } from './fixtures';

let snapshot: Snapshot;
beforeAll(async () => {
  const model = await loadModel(FIXTURES[0]);
  snapshot = compile(model, endpointsFor(model)).snapshots['frontend/v1'];
});

const without = (s: Snapshot, type: keyof Snapshot['resources'], name: string): Snapshot => ({
  ...s,
  resources: {
    ...s.resources,
    [type]: s.resources[type].filter((r: EnvoyResource) => (r.name ?? r.cluster_name) !== name),
  },
});

test('compiled snapshots are consistent', () => {
  expect(checkConsistency(snapshot)).toEqual([]);
});

test('a route to a missing cluster, a missing route configuration and a missing load assignment are caught', () => {
  expect(checkConsistency(without(snapshot, 'clusters', 'outbound|8080|v2|catalog'))).toEqual([
    "route configuration 'egress-http': cluster 'outbound|8080|v2|catalog' does not exist",
  ]);
  expect(checkConsistency(without(snapshot, 'routes', 'egress-http'))).toEqual([
    "listener 'egress-http': route configuration 'egress-http' does not exist",
  ]);
  expect(checkConsistency(without(snapshot, 'endpoints', 'outbound|8080|v1|catalog'))).toEqual([
    "cluster 'outbound|8080|v1|catalog': no load assignment for 'outbound|8080|v1|catalog'",
  ]);
});

test('a name defined twice is caught', () => {
  const dup = {
    ...snapshot,
    resources: { ...snapshot.resources, clusters: [...snapshot.resources.clusters, snapshot.resources.clusters[0]] },
  };
  expect(checkConsistency(dup)).toEqual([`clusters: '${snapshot.resources.clusters[0].name}' is defined twice`]);
});
