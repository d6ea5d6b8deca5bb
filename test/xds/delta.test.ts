/**
 * Incremental (delta) xDS over real gRPC: wildcard and named subscriptions, only changed
 * resources sent, removals announced, reconnects with initial_resource_versions, NACKs.
 */

import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL } from '../../lib/envoy';
import { waitFor } from '../support/wait';
import { endpoints, FRONTEND, meshWithRoutes, snapshots } from './fixture';
import { useXdsServer } from './harness';
import { namesIn } from './xds-test-client';

const NODE = { id: FRONTEND };
const V1 = 'outbound|3000|v1|catalog';
const V2 = 'outbound|3000|v2|catalog';

type Resource = { name: string; version: string; resource: Record<string, unknown> };

describe('xDS server, incremental (delta ADS)', () => {
  const xds = useXdsServer();
  const connect = () => xds.connect('DeltaAggregatedResources');
  const ack = (r: Record<string, unknown>) => ({ type_url: r.type_url, response_nonce: r.nonce });

  it('sends every cluster to a wildcard subscriber, then only what changed', async () => {
    const c = connect();
    c.send({ node: NODE, type_url: CLUSTER_TYPE_URL });
    const first = await c.next();
    expect(namesIn(first)).toEqual(['inbound|3000|v1|frontend', V1, V2]);
    for (const r of first.resources as Resource[]) expect(r.version).toMatch(/^[0-9a-f]{16}$/);
    c.send(ack(first));

    // v2 loses its route target (the canary ends): its cluster goes away, the rest is unchanged.
    xds.cache.setSnapshots(
      snapshots(endpoints([7001]), meshWithRoutes([{ name: 'all-v1', targets: [{ version: 'v1' }] }])),
    );
    const change = await c.next(CLUSTER_TYPE_URL);
    expect(change.resources ?? []).toEqual([]);
    expect(change.removed_resources).toEqual([V2]);
  });

  it('sends named endpoints on subscribe, changes as they happen, nothing after unsubscribe', async () => {
    const c = connect();
    c.send({ node: NODE, type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: [V1] });
    const first = await c.next();
    expect(namesIn(first)).toEqual([V1]);
    c.send(ack(first));
    xds.cache.setSnapshots(snapshots(endpoints([7001, 7002], [7003])));
    const change = await c.next();
    // v2's endpoints changed too, but this client did not ask for them.
    expect(namesIn(change)).toEqual([V1]);
    c.send(ack(change));
    c.send({ type_url: ENDPOINT_TYPE_URL, resource_names_unsubscribe: [V1], resource_names_subscribe: [V2] });
    expect(namesIn(await c.next())).toEqual([V2]);
  });

  it('tells a subscriber once that a name does not exist', async () => {
    const c = connect();
    c.send({ node: NODE, type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['outbound|3000|v9|catalog'] });
    const r = await c.next();
    expect(r.resources ?? []).toEqual([]);
    expect(r.removed_resources).toEqual(['outbound|3000|v9|catalog']);
    c.send({ ...ack(r), resource_names_subscribe: [V1] });
    const next = await c.next();
    expect(namesIn(next)).toEqual([V1]);
    expect(next.removed_resources ?? []).toEqual([]);
  });

  it('resends nothing the client already has after a reconnect', async () => {
    const c = connect();
    c.send({ node: NODE, type_url: CLUSTER_TYPE_URL });
    const first = await c.next();
    c.close();
    const again = connect();
    const have = Object.fromEntries((first.resources as Resource[]).map((r) => [r.name, r.version]));
    have[V2] = 'outdated';
    again.send({ node: NODE, type_url: CLUSTER_TYPE_URL, initial_resource_versions: have });
    const r = await again.next();
    expect(namesIn(r)).toEqual([V2]);
  });

  it('records a NACK and does not resend what was rejected', async () => {
    const c = connect();
    c.send({ node: NODE, type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: [V1, V2] });
    const first = await c.next();
    c.send({ ...ack(first), error_detail: { code: 3, message: 'no thanks' } });
    await waitFor('the NACK', () => xds.server.status.nodes()[0]?.types[0]?.status === 'NACKED');
    expect(xds.server.status.nodes()[0].types[0].nack).toMatchObject({ message: 'no thanks', code: 3 });
    expect(xds.server.status.nodes()[0].types[0].ackedVersion).toBeUndefined();
    // A later change sends only the resource that changed, not the rejected set again.
    xds.cache.setSnapshots(snapshots(endpoints([7001], [7009])));
    const next = await c.next();
    expect(namesIn(next)).toEqual([V2]);
    expect(xds.server.status.nodes()[0].transport).toBe('delta-ads');
  });
});
