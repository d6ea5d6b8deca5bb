/**
 * The Trellis proxy as a sidecar runs it: the esbuild bundle of proxy-image/src, started from a
 * stock Envoy bootstrap with one HTTP listener (codec AUTO: HTTP/1.1 or h2c) routing every
 * path to one static cluster. `nodeOptions` lets the profiler add --cpu-prof / --heap-prof.
 */
import { mkdirSync } from 'node:fs';
import { httpBootstrap } from '../../test/support/envoy-config';
import { startProxy } from '../../test/support/proxy';
import type { StartOptions, TargetKind } from './target';

export function trellisTarget(nodeOptions = ''): TargetKind {
  return {
    name: 'Trellis',
    h2: true,
    async start(o: StartOptions) {
      mkdirSync(o.dir, { recursive: true });
      const config = httpBootstrap({ clusters: { backend: [o.upstream.port] } });
      const proxy = await startProxy({
        config,
        dir: o.dir,
        args: ['--log-level', 'warning', '--drain-time-s', '1'],
        env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {},
      });
      const port = await proxy.listenerPort();
      return { origin: `http://127.0.0.1:${port}`, port, pids: [proxy.child.pid], stop: () => proxy.stop() };
    },
  };
}

export const trellis = trellisTarget();
