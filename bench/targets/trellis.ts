/**
 * The Trellis proxy as a sidecar runs it: the image's payload (`npm run build`: the minified
 * bundle, its lazily loaded packages and the .proto files with their index), started with the
 * image's Node flags and malloc settings (proxy-image/src/process-settings.ts) from a stock
 * Envoy bootstrap with one HTTP listener (codec AUTO: HTTP/1.1 or h2c) routing every path to one
 * static cluster. `nodeArgs` lets the profiler add --cpu-prof / --heap-prof (V8 refuses them in
 * NODE_OPTIONS); `payload: 'dev'` runs the unminified test bundle instead, whose profiles point
 * at source lines.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROXY_MALLOC_ENV, PROXY_NODE_FLAGS } from '../../proxy-image/src/process-settings';
import { buildPayload } from '../../scripts/build';
import { spawnChild } from '../../test/support/child-process';
import { httpBootstrap } from '../../test/support/envoy-config';
import { httpRequest } from '../../test/support/http-client';
import { buildProxyBundle, bundleEnv } from '../../test/support/proxy-bundle';
import { tempDir } from '../../test/support/temp-dir';
import { GiveUp, waitFor } from '../../test/support/wait';
import type { StartOptions, TargetKind } from './target';

export type Payload = 'image' | 'dev';

interface Built {
  readonly entry: string;
  readonly env: NodeJS.ProcessEnv;
}

const built = new Map<Payload, Promise<Built>>();

/** Built once per bench process, in a temp dir removed at exit. */
function payload(kind: Payload): Promise<Built> {
  let p = built.get(kind);
  if (!p) {
    const dir = tempDir(`trellis-bench-${kind}-`);
    p =
      kind === 'image'
        ? buildPayload(dir).then((r) => ({
            entry: join(r.outdir, 'proxy.js'),
            env: {
              ...process.env,
              ...PROXY_MALLOC_ENV,
              NODE_ENV: 'production',
              TRELLIS_ENVOY_PROTO_DIR: join(r.outdir, 'proto'),
            },
          }))
        : Promise.resolve({ entry: buildProxyBundle(dir), env: bundleEnv(PROXY_MALLOC_ENV) });
    built.set(kind, p);
  }
  return p;
}

/**
 * `l4`: the listener is a tcp_proxy instead of an HTTP connection manager, so the proxy only
 * moves bytes: what Node's event loop and sockets cost a hop with no HTTP work at all, the floor
 * under any HTTP proxy written for Node.
 */
export type Layer = 'http' | 'l4';

function bootstrap(upstreamPort: number, layer: Layer): Record<string, unknown> {
  const doc = httpBootstrap({ clusters: { backend: [upstreamPort] } });
  if (layer === 'http') return doc;
  const listener = (doc.static_resources as { listeners: Array<Record<string, unknown>> }).listeners[0];
  listener.filter_chains = [
    {
      filters: [
        {
          name: 'envoy.filters.network.tcp_proxy',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
            stat_prefix: 'l4',
            cluster: 'backend',
          },
        },
      ],
    },
  ];
  return doc;
}

export function trellisTarget(
  nodeArgs: readonly string[] = [],
  kind: Payload = 'image',
  layer: Layer = 'http',
): TargetKind {
  return {
    name: layer === 'http' ? 'Trellis' : 'Trellis (L4)',
    // h2c through L4 would reach the upstream, which speaks HTTP/1.1 only.
    h2: layer === 'http',
    async start(o: StartOptions) {
      mkdirSync(o.dir, { recursive: true });
      const configPath = join(o.dir, 'envoy.json');
      writeFileSync(configPath, JSON.stringify(bootstrap(o.upstream.port, layer)));
      const adminPath = join(o.dir, 'admin-address');
      const { entry, env } = await payload(kind);
      const args = [...PROXY_NODE_FLAGS, ...nodeArgs, entry, '--config', configPath, '--admin-address-path', adminPath];
      const child = spawnChild(process.execPath, [...args, '--log-level', 'warning', '--drain-time-s', '1'], {
        cwd: o.dir,
        env,
      });
      const admin = await waitFor('the Trellis admin address', () => {
        if (child.proc.exitCode !== null)
          throw new GiveUp(`proxy exited with ${child.proc.exitCode}:\n${child.stderr()}`);
        try {
          return readFileSync(adminPath, 'utf8').trim() || undefined;
        } catch {
          return undefined;
        }
      });
      await waitFor('Trellis /ready', async () => (await httpRequest(`http://${admin}/ready`)).status === 200);
      const listeners = JSON.parse((await httpRequest(`http://${admin}/listeners?format=json`)).body);
      const port = listeners.listener_statuses[0].local_address.socket_address.port_value as number;
      return {
        origin: `http://127.0.0.1:${port}`,
        port,
        pids: [child.pid],
        stdout: () => child.stdout(),
        stop: () => child.stop(10_000),
      };
    },
  };
}

export const trellis = trellisTarget();
