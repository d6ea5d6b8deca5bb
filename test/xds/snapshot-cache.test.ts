/** The snapshot cache's gatekeeping: validate before set, and the guard against deleting most of the mesh. */
import { massDeletion, SnapshotCache, SnapshotRejectedError } from '../../lib/xds';
import { endpoints, FRONTEND, meshWithRoutes, snapshots, withClusters } from './fixture';

/** The frontend calling all three catalog versions, so three versions have endpoints. */
const THREE_WAY = meshWithRoutes([
  { name: 'thirds', targets: [{ version: 'v1' }, { version: 'v2' }, { version: 'v3' }] },
]);

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
    const cache = new SnapshotCache();
    const all = snapshots();
    cache.setSnapshots(all);
    const onlyCatalog = { 'catalog/v1': all['catalog/v1'] };
    expect(() => cache.setSnapshots(onlyCatalog)).toThrow(
      /removes 3 of 4 proxies \(catalog\/v2, catalog\/v3, frontend\/v1\), more than the 50% allowed$/,
    );
    expect(cache.keys()).toEqual(['catalog/v1', 'catalog/v2', 'catalog/v3', FRONTEND]);
    expect(cache.setSnapshots(onlyCatalog, { force: true })).toEqual(['catalog/v2', 'catalog/v3', FRONTEND]);
    expect(cache.keys()).toEqual(['catalog/v1']);
  });

  it('refuses an update in which most versions lose every endpoint (a discovery outage)', () => {
    const before = snapshots(endpoints([7001, 7002], [7003], [7004]), THREE_WAY);
    const cache = new SnapshotCache();
    cache.setSnapshots(before);
    expect(() => cache.setSnapshots(snapshots(endpoints([], [], []), THREE_WAY))).toThrow(
      /no endpoints for 3 of 3 service versions/,
    );
    // Ordinary changes go through: an endpoint added or removed, one service version going away.
    expect(massDeletion(before, snapshots(endpoints([7001], [7003], []), THREE_WAY))).toBeUndefined();
    const { 'catalog/v3': _, ...withoutV3 } = before;
    expect(massDeletion(before, withoutV3)).toBeUndefined();
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
