/**
 * The Trellis proxy as a sidecar runs it: the esbuild bundle of proxy-image/src (built as the
 * test suite builds it), started from a stock Envoy bootstrap with one HTTP listener (codec
 * AUTO: HTTP/1.1 or h2c) routing every path to one static cluster. `nodeArgs` lets the
 * profiler add --cpu-prof / --heap-prof (V8 refuses them in NODE_OPTIONS).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild } from '../../test/support/child-process';
import { httpBootstrap } from '../../test/support/envoy-config';
import { httpRequest } from '../../test/support/http-client';
import { buildProxyBundle, bundleEnv } from '../../test/support/proxy-bundle';
import { tempDir } from '../../test/support/temp-dir';
import { GiveUp, waitFor } from '../../test/support/wait';
import type { StartOptions, TargetKind } from './target';

let bundle: string | undefined;

/** Built once per bench process, in a temp dir removed at exit (proxyBundle()'s would stay). */
function proxyBundle(): string {
  bundle ??= buildProxyBundle(tempDir('trellis-bench-proxy-'));
  return bundle;
}

export function trellisTarget(nodeArgs: readonly string[] = []): TargetKind {
  return {
    name: 'Trellis',
    h2: true,
    async start(o: StartOptions) {
      mkdirSync(o.dir, { recursive: true });
      const configPath = join(o.dir, 'envoy.json');
      writeFileSync(configPath, JSON.stringify(httpBootstrap({ clusters: { backend: [o.upstream.port] } })));
      const adminPath = join(o.dir, 'admin-address');
      const args = [...nodeArgs, proxyBundle(), '--config', configPath, '--admin-address-path', adminPath];
      const child = spawnChild(process.execPath, [...args, '--log-level', 'warning', '--drain-time-s', '1'], {
        cwd: o.dir,
        env: bundleEnv(),
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
      return { origin: `http://127.0.0.1:${port}`, port, pids: [child.pid], stop: () => child.stop(10_000) };
    },
  };
}

export const trellis = trellisTarget();
