/**
 * nginx (Debian's package) as a reverse proxy with the same route as every other target: all
 * paths to one upstream over keep-alive HTTP/1.1. One worker process, as the Node targets have
 * one event loop; buffers large enough that a 64 KiB response never spills to a temp file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild } from '../../test/support/child-process';
import { freePort, waitForPort } from '../ports';
import type { RunningTarget, StartOptions, TargetKind } from './target';

let nginxPath = 'nginx';

export function useNginx(path: string): void {
  nginxPath = path;
}

/** The shared preamble: foreground, one worker, every path inside `dir`. */
export function nginxMain(dir: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(dir, `${t}_temp`)};`)
    .join('\n');
  return `daemon off;
master_process on;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;\n' : ''}pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
  keepalive_requests 1000000;
  keepalive_timeout 75s;
`;
}

export async function runNginx(dir: string, conf: string, port: number, what: string): Promise<RunningTarget> {
  mkdirSync(dir, { recursive: true });
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child = spawnChild(nginxPath, ['-p', dir, '-c', confPath, '-e', join(dir, 'error.log')], { cwd: dir });
  await waitForPort(port, what, () => child.proc.exitCode === null).catch((e) => {
    throw new Error(`${(e as Error).message}\n${child.stderr()}`);
  });
  return { origin: `http://127.0.0.1:${port}`, port, pids: [child.pid], stop: () => child.stop(5000) };
}

export const nginx: TargetKind = {
  name: 'nginx',
  h2: true,
  async start(o: StartOptions) {
    const port = await freePort();
    const conf = `${nginxMain(o.dir)}
  upstream backend { server 127.0.0.1:${o.upstream.port}; keepalive 256; }
  server {
    listen 127.0.0.1:${port}${o.protocol === 'h2' ? ' http2' : ''};
    http2_max_concurrent_streams 1024;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffer_size 8k;
      proxy_buffers 32 8k;
    }
  }
}
`;
    return runNginx(o.dir, conf, port, 'nginx');
  },
};
