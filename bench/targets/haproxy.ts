/**
 * HAProxy (Debian's package) with the same route: every request to one upstream, connections
 * to it reused (`http-reuse always`). One thread, as the Node targets have one event loop.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild } from '../../test/support/child-process';
import { freePort, waitForPort } from '../ports';
import type { StartOptions, TargetKind } from './target';

let haproxyPath = 'haproxy';

export function useHaproxy(path: string): void {
  haproxyPath = path;
}

export const haproxy: TargetKind = {
  name: 'HAProxy',
  h2: true,
  async start(o: StartOptions) {
    mkdirSync(o.dir, { recursive: true });
    const port = await freePort();
    const conf = `global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive
  http-reuse always
frontend ingress
  bind 127.0.0.1:${port}${o.protocol === 'h2' ? ' proto h2' : ''}
  default_backend backend
backend backend
  server up 127.0.0.1:${o.upstream.port}
`;
    const confPath = join(o.dir, 'haproxy.cfg');
    writeFileSync(confPath, conf);
    const child = spawnChild(haproxyPath, ['-f', confPath, '-db'], { cwd: o.dir });
    await waitForPort(port, 'haproxy', () => child.proc.exitCode === null).catch((e) => {
      throw new Error(`${(e as Error).message}\n${child.stderr()}`);
    });
    return { origin: `http://127.0.0.1:${port}`, port, pids: [child.pid], stop: () => child.stop(5000) };
  },
};
