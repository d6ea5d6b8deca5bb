/**
 * `trellis up`'s control plane (lib/local/control-plane.ts: compiler + registry + XdsServer)
 * serving a real third-party xDS client: @grpc/grpc-js-xds, proxyless, dialling `xds:///catalog`
 * with a bootstrap that points at the control plane's xDS port. Calls land on real
 * @grpc/grpc-js servers registered in the embedded registry; the client follows the fixture's
 * 80/20 split, its `client: android` metadata route, and instances being added and removed.
 */
import { join } from 'node:path';
import { RESOURCE_TYPE_URLS } from '../../lib/envoy/type-urls';
import { ControlPlane } from '../../lib/local/control-plane';
import { Layout } from '../../lib/local/layout';
import { PortAllocator } from '../../lib/local/port-allocator';
import { loadMeshFile } from '../../lib/model/load';
import type { NodeStatus } from '../../lib/xds/client-status';
import { PROXYLESS_KEY } from '../../lib/xds/node';
import { type ChildHandle, spawnChild, stopAllProcesses } from '../support/child-process';
import { waitFor } from '../support/wait';
import { type NameBackend, startNameBackend, WHO_METHOD } from './grpc-name-backend';

const REPO = join(__dirname, '..', '..');
const MESH_FILE = join(REPO, 'test', 'fixtures', 'meshes', 'proxyless-grpc.yaml');
const CLIENT_SCRIPT = join(__dirname, 'proxyless-grpc-client.js');
const NODE_ID = 'trellis-proxyless-test';
const NAMESPACE = 'grpc-shop';

interface Batch {
  readonly answers: Record<string, number>;
  readonly errors: Record<string, number>;
}

/** The proxyless client process: `calls(n, metadata)` makes n RPCs and says who answered. */
class ProxylessClient {
  private nextId = 1;
  private readonly pending = new Map<number, (b: Batch) => void>();
  private buffered = '';

  constructor(readonly child: ChildHandle) {
    child.proc.stdout?.on('data', (d: string) => {
      this.buffered += d;
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const { id, ...batch } = JSON.parse(line) as Batch & { id: number };
        this.pending.get(id)?.(batch);
        this.pending.delete(id);
      }
    });
  }

  static async start(xdsPort: number): Promise<ProxylessClient> {
    const bootstrap = {
      xds_servers: [
        { server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
      ],
      node: { id: NODE_ID, locality: { region: 'local', zone: 'a' } },
    };
    const child = spawnChild(process.execPath, [CLIENT_SCRIPT, 'xds:///catalog', WHO_METHOD], {
      cwd: REPO,
      env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap), GRPC_XDS_BOOTSTRAP: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    await child.waitForOutput(/^ready$/m);
    return new ProxylessClient(child);
  }

  calls(calls: number, metadata: Record<string, string> = {}): Promise<Batch> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.child.proc.stdin?.write(`${JSON.stringify({ id, calls, metadata })}\n`, (e) => e && reject(e));
      void this.child.exited.then(() =>
        reject(new Error(`proxyless client exited:\n${this.child.stderr()}\n${this.child.stdout()}`)),
      );
    });
  }
}

describe('proxyless gRPC (@grpc/grpc-js-xds) against the local control plane', () => {
  let plane: ControlPlane;
  let xdsPort: number;
  let client: ProxylessClient;
  const backends: Record<string, NameBackend> = {};

  function register(instance: NameBackend, version: string): void {
    plane.registry.registerInstance({
      namespace: NAMESPACE,
      service: 'catalog',
      instanceId: instance.name,
      attributes: { version, AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(instance.port) },
    });
  }

  /** The test client's view in the server's ClientStatus. */
  function clientNode(): NodeStatus | undefined {
    return plane.xds.status.nodes().find((n) => n.id === NODE_ID && n.connected);
  }

  /** Waits for the client to ACK an EDS version other than `previous`; returns it. */
  async function edsAckedAfter(previous: string | undefined): Promise<string> {
    return waitFor('the client to ACK the new endpoints', () => {
      const eds = clientNode()?.types.find((t) => t.typeUrl === RESOURCE_TYPE_URLS.endpoints);
      return eds?.status === 'ACKED' && eds.ackedVersion !== previous ? eds.ackedVersion : undefined;
    });
  }

  const edsVersion = () => clientNode()?.types.find((t) => t.typeUrl === RESOURCE_TYPE_URLS.endpoints)?.ackedVersion;

  beforeAll(async () => {
    const loaded = await loadMeshFile(MESH_FILE);
    if (!loaded.model) throw new Error(JSON.stringify(loaded.problems));
    plane = new ControlPlane(new Layout({ ports: new PortAllocator() }));
    expect(plane.apply(loaded.model)).toEqual([]);
    xdsPort = await plane.xds.listen(0);
    for (const name of ['v1-a', 'v1-b', 'v2', 'v3']) backends[name] = await startNameBackend(name);
    register(backends['v1-a'], 'v1');
    register(backends.v2, 'v2');
    register(backends.v3, 'v3');
    client = await ProxylessClient.start(xdsPort);
  });

  afterAll(async () => {
    await stopAllProcesses();
    await plane?.close();
    await Promise.all(Object.values(backends).map((b) => b.close()));
  });

  it('is recognised as a proxyless client and ACKs every resource type the control plane compiled for it', async () => {
    // The first call makes the client subscribe: listener → routes → clusters → endpoints.
    const first = await client.calls(1);
    expect(first.errors).toEqual({});
    const node = await waitFor('every type ACKed', () => {
      const n = clientNode();
      return n && n.types.length === 4 && n.types.every((t) => t.status === 'ACKED') ? n : undefined;
    });
    expect(node.key).toBe(PROXYLESS_KEY);
    expect(node.userAgent).toMatch(/^gRPC/);
    expect(node.types.map((t) => t.nacks)).toEqual([0, 0, 0, 0]);
    const listeners = node.types.find((t) => t.typeUrl === RESOURCE_TYPE_URLS.listeners);
    expect(listeners?.names).toEqual(['catalog']);
    // What it was sent is the control plane's own proxyless snapshot for the mesh.
    expect(plane.snapshots()[PROXYLESS_KEY].resources.listeners.map((l) => l.name)).toContain('catalog');
  });

  it('splits calls 80/20 between v1 and v2 as the canary route says', async () => {
    const n = 500;
    const { answers, errors } = await client.calls(n);
    expect(errors).toEqual({});
    expect(Object.keys(answers).sort()).toEqual(['v1-a', 'v2']);
    // Binomial(500, 0.8): sd ≈ 1.8 %; 70–90 % is more than 5 sd either side.
    const v1Share = answers['v1-a'] / n;
    expect(v1Share).toBeGreaterThan(0.7);
    expect(v1Share).toBeLessThan(0.9);
  });

  it('sends calls with metadata `client: android` to v3 only', async () => {
    const android = await client.calls(60, { client: 'android' });
    expect(android).toEqual({ answers: { v3: 60 }, errors: {} });
    const ios = await client.calls(60, { client: 'ios' });
    expect(ios.answers.v3).toBeUndefined();
  });

  it('follows an instance being registered and another deregistered', async () => {
    const android = { client: 'android' };
    // A second v1 instance: the client learns it over EDS and round-robins over both.
    const before = edsVersion();
    register(backends['v1-b'], 'v1');
    await edsAckedAfter(before);
    const both = await waitFor('calls reaching the new instance', async () => {
      const b = await client.calls(100);
      return b.answers['v1-b'] ? b : undefined;
    });
    expect(both.errors).toEqual({});
    expect(both.answers['v1-a']).toBeGreaterThan(0);
    expect(plane.snapshots()[PROXYLESS_KEY].resources.endpoints.length).toBe(3);

    // The first v1 instance leaves the registry but keeps serving: only xDS can keep the client away.
    const withBoth = edsVersion();
    plane.registry.deregisterInstance(NAMESPACE, 'catalog', 'v1-a');
    await edsAckedAfter(withBoth);
    await waitFor('calls no longer reaching the deregistered instance', async () => {
      const b = await client.calls(50);
      return !b.answers['v1-a'];
    });
    const servedBefore = backends['v1-a'].calls();
    const after = await client.calls(200);
    expect(after.errors).toEqual({});
    expect(Object.keys(after.answers).sort()).toEqual(['v1-b', 'v2']);
    expect(backends['v1-a'].calls()).toBe(servedBefore);
    // The header route is untouched by a v1 change.
    expect(await client.calls(20, android)).toEqual({ answers: { v3: 20 }, errors: {} });

    // v3's only instance leaves: the android route has nowhere to go, and says so.
    const withV3 = edsVersion();
    plane.registry.deregisterInstance(NAMESPACE, 'catalog', 'v3');
    await edsAckedAfter(withV3);
    const none = await client.calls(5, android);
    expect(none.answers).toEqual({});
    expect(Object.values(none.errors).reduce((a, b) => a + b, 0)).toBe(5);
    // …until it comes back.
    const withoutV3 = edsVersion();
    register(backends.v3, 'v3');
    await edsAckedAfter(withoutV3);
    await waitFor('v3 answering again', async () => (await client.calls(5, android)).answers.v3 === 5);
  });
});
