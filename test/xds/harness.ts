/** A fresh snapshot cache and xDS server on 127.0.0.1:0 per test, and test clients closed after it. */
import { SnapshotCache, XdsServer } from '../../lib/xds';
import { snapshots } from './fixture';
import { openXdsStream, type XdsTestClient } from './xds-test-client';

export interface XdsHarness {
  readonly cache: SnapshotCache;
  readonly server: XdsServer;
  connect(method?: string, service?: string): XdsTestClient;
}

export function useXdsServer(): XdsHarness {
  let cache: SnapshotCache;
  let server: XdsServer;
  let port: number;
  const clients: XdsTestClient[] = [];
  beforeEach(async () => {
    cache = new SnapshotCache();
    cache.setSnapshots(snapshots());
    server = new XdsServer(cache);
    port = await server.listen(0);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
  });
  return {
    get cache() {
      return cache;
    },
    get server() {
      return server;
    },
    connect(method, service) {
      const c = openXdsStream(port, method, service);
      clients.push(c);
      return c;
    },
  };
}
