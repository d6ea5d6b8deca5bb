/** The snapshot cache's gatekeeping: validate before set, and the guard against deleting most of the mesh. */
import { massDeletion, SnapshotCache, SnapshotRejectedError } from '../../lib/xds';
import { endpoints, FRONTEND, snapshots, withClusters } from './fixture';

describe('snapshot cache', () => {
  it('refuses a snapshot Envoy would reject, naming the node, resource and field, and keeps the last good one', () => {
    const cache = new SnapshotCache();
    const good = snapshots();
    cache.setSnapshots(good);
    const bad = withClusters(good[FRONTEND], (c) => ({ ...c, lb_policy: 'FASTEST' }));
    expect(() => cache.setSnapshot(FRONTEND, bad)).toThrow(SnapshotRejectedError);
    expect(() => cache.setSnapshots({ ...good, [FRONTEND]: bad })).toThrow(
      /frontend\/v1: clusters 'inbound\|3000\|v1\|frontend': lb_policy: .*FASTEST/,
    );
    expect(cache.getSnapshot(FRONTEND)).toBe(good[FRONTEND]);
  });

  it('refuses an inconsistent snapshot (a route to a cluster that does not exist)', () => {
    const cache = new SnapshotCache();
    const good = snapshots()[FRONTEND];
    const dangling = {
      ...good,
      version: 'dangling',
      resources: { ...good.resources, clusters: good.resources.clusters.slice(0, 1) },
    };
    expect(() => cache.setSnapshot(FRONTEND, dangling)).toThrow(/cluster 'outbound\|3000\|v1\|catalog' does not exist/);
  });

  it('refuses an update that deletes most of the mesh unless forced', () => {
    const cache = new SnapshotCache({ guard: { minResources: 5 } });
    const all = snapshots();
    cache.setSnapshots(all);
    const onlyCatalog = { 'catalog/v1': all['catalog/v1'] };
    expect(() => cache.setSnapshots(onlyCatalog)).toThrow(/removes \d+ of \d+ resources of the mesh .*2 of 3 proxies/);
    expect(cache.keys()).toEqual(['catalog/v1', 'catalog/v2', FRONTEND]);
    expect(cache.setSnapshots(onlyCatalog, { force: true })).toEqual(['catalog/v2', FRONTEND]);
    expect(cache.keys()).toEqual(['catalog/v1']);
  });

  it('lets ordinary changes through: an endpoint added or removed, one service going away', () => {
    const before = snapshots(endpoints([7001, 7002]));
    expect(massDeletion(before, snapshots(endpoints([7001])), { minResources: 5 })).toBeUndefined();
    const { 'catalog/v2': _, ...withoutV2 } = before;
    expect(massDeletion(before, withoutV2, { minResources: 5 })).toBeUndefined();
    // Every endpoint gone at once (a registry answering with nothing) is what the guard is for.
    expect(massDeletion(before, snapshots({}), { minResources: 5, maxDeletedFraction: 0.1 })).toMatch(
      /endpoint addresses/,
    );
  });

  it('tells watchers only when a node’s snapshot really changes', () => {
    const cache = new SnapshotCache();
    const seen: (string | undefined)[] = [];
    cache.watch(FRONTEND, (s) => seen.push(s?.version));
    cache.setSnapshots(snapshots());
    cache.setSnapshots(snapshots());
    cache.setSnapshots(snapshots(endpoints([7001, 7002])));
    expect(seen).toHaveLength(2);
    expect(new Set(seen).size).toBe(2);
  });
});
