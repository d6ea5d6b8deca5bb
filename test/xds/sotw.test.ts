/**
 * The state-of-the-world ADS server over real gRPC on 127.0.0.1, driven by a small test client:
 * what each node is sent, pushes on change, and Envoy's ACK/NACK rules.
 */
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../lib/envoy';
import { waitFor } from '../support/wait';
import { endpoints, FRONTEND, snapshots, withClusters } from './fixture';
import { useXdsServer } from './harness';
import { ackOf, nackOf, namesIn, type XdsTestClient } from './xds-test-client';

const NODE = { id: FRONTEND, cluster: 'frontend' };
const EDS_NAMES = ['outbound|3000|v1|catalog', 'outbound|3000|v2|catalog'];

describe('xDS server, state of the world (ADS)', () => {
  const xds = useXdsServer();
  const connect = () => xds.connect();

  /** Subscribes to CDS, EDS, LDS and RDS as Envoy does and ACKs each first response. */
  async function subscribeAll(c: XdsTestClient) {
    c.send({ node: NODE, type_url: CLUSTER_TYPE_URL, resource_names: [] });
    const cds = await c.next(CLUSTER_TYPE_URL);
    c.send(ackOf(cds));
    c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: EDS_NAMES });
    const eds = await c.next(ENDPOINT_TYPE_URL);
    c.send(ackOf(eds, EDS_NAMES));
    c.send({ type_url: LISTENER_TYPE_URL, resource_names: [] });
    const lds = await c.next(LISTENER_TYPE_URL);
    c.send(ackOf(lds));
    c.send({ type_url: ROUTE_TYPE_URL, resource_names: ['egress-http', 'ingress-3000'] });
    const rds = await c.next(ROUTE_TYPE_URL);
    c.send(ackOf(rds, ['egress-http', 'ingress-3000']));
    return { cds, eds, lds, rds };
  }

  it('serves a node its own snapshot: every cluster and listener, the endpoints and routes it names', async () => {
    const c = connect();
    const { cds, eds, lds, rds } = await subscribeAll(c);
    const snap = xds.cache.getSnapshot(FRONTEND)!;
    expect(namesIn(cds)).toEqual(snap.resources.clusters.map((r) => r.name));
    expect(namesIn(lds)).toEqual(['egress-http', 'ingress-3000']);
    expect(namesIn(eds)).toEqual(EDS_NAMES);
    expect(namesIn(rds)).toEqual(['egress-http', 'ingress-3000']);
    // Resources arrive as Envoy decoded them from protobuf, equal to what was set.
    expect((eds.resources as object[])[0]).toEqual(snap.resources.endpoints[0]);
    expect(new Set([cds.nonce, eds.nonce, lds.nonce, rds.nonce]).size).toBe(4);
    expect(cds.control_plane).toEqual({ identifier: 'trellis' });
  });

  it('records ACKs per node and type, for the dashboard', async () => {
    const c = connect();
    const { cds } = await subscribeAll(c);
    c.send(ackOf(cds)); // a repeat ACK is harmless
    const nodeStatus = () => xds.server.status.nodes().find((n) => n.id === FRONTEND)!;
    await waitFor('four ACKs', () => nodeStatus().types.filter((t) => t.status === 'ACKED').length === 4);
    const node = nodeStatus();
    expect(node.connected).toBe(true);
    expect(node.key).toBe(FRONTEND);
    expect(node.types.map((t) => t.status)).toEqual(['ACKED', 'ACKED', 'ACKED', 'ACKED']);
    expect(node.types.find((t) => t.typeUrl === CLUSTER_TYPE_URL)!.ackedVersion).toBe(cds.version_info);
  });

  it('pushes an endpoint change to EDS only, with a new version', async () => {
    const c = connect();
    const { eds } = await subscribeAll(c);
    xds.cache.setSnapshots(snapshots(endpoints([7001, 7011])));
    const pushed = await c.next();
    expect(pushed.type_url).toBe(ENDPOINT_TYPE_URL);
    expect(pushed.version_info).not.toBe(eds.version_info);
    const v1 = (pushed.resources as { cluster_name: string; endpoints: { lb_endpoints: unknown[] }[] }[]).find(
      (r) => r.cluster_name === EDS_NAMES[0],
    )!;
    expect(v1.endpoints[0].lb_endpoints).toHaveLength(2);
    c.send(ackOf(pushed, EDS_NAMES));
    // Nothing else changed: the next change (a second endpoint set) is the next thing on the stream.
    xds.cache.setSnapshots(snapshots(endpoints([7001])));
    expect((await c.next()).type_url).toBe(ENDPOINT_TYPE_URL);
    expect(c.pending()).toEqual([]);
  });

  it('answers a change of resource names at once, with the names now asked for', async () => {
    const c = connect();
    const { eds } = await subscribeAll(c);
    c.send({ ...ackOf(eds), resource_names: [EDS_NAMES[1]] });
    const narrowed = await c.next(ENDPOINT_TYPE_URL);
    expect(namesIn(narrowed)).toEqual([EDS_NAMES[1]]);
  });

  it('records a NACK with its error_detail, never as accepted, and does not resend that version', async () => {
    const c = connect();
    const { cds } = await subscribeAll(c);
    // The mesh changes clusters (v2 gets outlier detection) and the client rejects the update.
    const changed = snapshots();
    changed[FRONTEND] = withClusters(changed[FRONTEND], (cl) =>
      cl.name === EDS_NAMES[1] ? { ...cl, outlier_detection: { consecutive_5xx: 3 } } : cl,
    );
    xds.cache.setSnapshots(changed);
    const update = await c.next(CLUSTER_TYPE_URL);
    const nacked = new Promise((resolve) => xds.server.status.once('nack', resolve));
    c.send(nackOf(update, cds.version_info as string, 'cluster outbound|3000|v2|catalog: bad outlier detection'));
    await expect(nacked).resolves.toMatchObject({ node: FRONTEND, typeUrl: CLUSTER_TYPE_URL });

    const node = xds.server.status.nodes().find((n) => n.id === FRONTEND)!;
    const cdsStatus = node.types.find((t) => t.typeUrl === CLUSTER_TYPE_URL)!;
    expect(cdsStatus.status).toBe('NACKED');
    expect(cdsStatus.ackedVersion).toBe(cds.version_info); // the last good version, not the rejected one
    expect(cdsStatus.sentVersion).toBe(update.version_info);
    expect(cdsStatus.nack).toMatchObject({
      version: update.version_info,
      code: 3,
      message: expect.stringContaining('bad outlier'),
    });

    // The same content set again is not resent; the next real change (endpoints) is what arrives next.
    xds.cache.setSnapshots(changed);
    xds.cache.setSnapshots({ ...changed, [FRONTEND]: snapshots(endpoints([7001, 7021]))[FRONTEND] });
    const next = await c.next();
    // The new snapshot drops the rejected cluster change, so CDS goes back to the accepted content…
    expect(next.type_url).toBe(CLUSTER_TYPE_URL);
    expect(next.version_info).toBe(cds.version_info);
    expect((await c.next()).type_url).toBe(ENDPOINT_TYPE_URL);
  });

  it('keeps a NACKed version out of later pushes: the next change arrives alone', async () => {
    const c = connect();
    const { cds } = await subscribeAll(c);
    const changed = snapshots();
    changed[FRONTEND] = withClusters(changed[FRONTEND], (cl) => ({ ...cl, connect_timeout: '2s' }));
    xds.cache.setSnapshots(changed);
    const update = await c.next(CLUSTER_TYPE_URL);
    c.send(nackOf(update, cds.version_info as string, 'rejected'));
    // An endpoint change is the marker: had the NACKed CDS been resent, it would arrive first.
    const marker = snapshots(endpoints([7999]))[FRONTEND];
    xds.cache.setSnapshots({
      ...changed,
      [FRONTEND]: withClusters(marker, (cl) => ({ ...cl, connect_timeout: '2s' })),
    });
    expect((await c.next()).type_url).toBe(ENDPOINT_TYPE_URL);
  });

  it('ignores a request whose nonce is stale', async () => {
    const c = connect();
    const { eds } = await subscribeAll(c);
    xds.cache.setSnapshots(snapshots(endpoints([7001, 7031])));
    const pushed = await c.next(ENDPOINT_TYPE_URL);
    // A NACK of the older response, sent after the newer one went out: not about what the client has now.
    c.send(nackOf(eds, eds.version_info as string, 'stale complaint', EDS_NAMES));
    c.send(ackOf(pushed, EDS_NAMES));
    const edsStatus = () => xds.server.status.nodes()[0].types.find((t) => t.typeUrl === ENDPOINT_TYPE_URL)!;
    await waitFor('the ACK of the pushed endpoints', () => edsStatus().ackedVersion === pushed.version_info);
    expect(edsStatus().status).toBe('ACKED');
    expect(edsStatus().nacks).toBe(0);
  });

  it('serves each node its own snapshot, and waits for a node it has none for', async () => {
    const other = connect();
    other.send({ node: { id: 'catalog/v1' }, type_url: LISTENER_TYPE_URL, resource_names: [] });
    expect(namesIn(await other.next())).toEqual(['ingress-3000']);
    const unknown = connect();
    unknown.send({ node: { id: 'reviews/v1' }, type_url: LISTENER_TYPE_URL, resource_names: [] });
    const missing = new Promise((resolve) => xds.cache.onMissing(resolve));
    const all = snapshots();
    xds.cache.setSnapshots({ ...all, 'reviews/v1': all['catalog/v1'] });
    expect(namesIn(await unknown.next())).toEqual(['ingress-3000']);
    // The watch itself was announced before the snapshot existed (so a control plane can build it lazily).
    expect(xds.cache.watchedKeys()).toContain('reviews/v1');
    void missing;
  });

  it('serves one type per stream on the per-type services (StreamClusters)', async () => {
    const c = xds.connect('StreamClusters', 'envoy.service.cluster.v3.ClusterDiscoveryService');
    c.send({ node: NODE, resource_names: [] });
    const cds = await c.next();
    expect(cds.type_url).toBe(CLUSTER_TYPE_URL);
    expect(namesIn(cds)).toHaveLength(3);
  });
});
