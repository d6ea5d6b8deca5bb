/** The Node.js peers, `http-proxy` and `@fastify/http-proxy`, each as its own process. */
import { mkdirSync } from 'node:fs';
import { spawnChild } from '../../test/support/child-process';
import { tempDir } from '../../test/support/temp-dir';
import { bundle, nodeEnv } from '../bundle';
import { freePort, waitForPort } from '../ports';
import type { StartOptions, TargetKind } from './target';

function peer(name: string, entry: string, h2: boolean): TargetKind {
  let built: string | undefined;
  return {
    name,
    h2,
    async start(o: StartOptions) {
      mkdirSync(o.dir, { recursive: true });
      built ??= bundle(entry, tempDir('trellis-bench-peer-'), name.replace(/\W+/g, '-'));
      const port = await freePort();
      const args = [built, String(port), String(o.upstream.port), ...(o.protocol === 'h2' ? ['h2'] : [])];
      const child = spawnChild(process.execPath, args, { cwd: o.dir, env: nodeEnv() });
      await waitForPort(port, name, () => child.proc.exitCode === null).catch((e) => {
        throw new Error(`${(e as Error).message}\n${child.stderr()}`);
      });
      return { origin: `http://127.0.0.1:${port}`, port, pids: [child.pid], stop: () => child.stop(5000) };
    },
  };
}

export const httpProxyPeer = peer('http-proxy', 'bench/peers/http-proxy-peer.ts', false);
export const fastifyProxyPeer = peer('@fastify/http-proxy', 'bench/peers/fastify-proxy-peer.ts', true);
