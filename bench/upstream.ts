/**
 * The benchmark's upstream: nginx serving two static files, a small body and a 64 KiB body.
 * nginx rather than a Node server because on two shared cores the upstream must cost as little
 * CPU and add as little jitter (no GC pauses) as possible: then the maximum rate and the tail
 * latencies measure the proxy in front of it, not the upstream.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';
import { nginxMain, runNginx } from './targets/nginx';
import type { RunningTarget } from './targets/target';

export const SMALL_PATH = '/small';
export const LARGE_PATH = '/64k';
export const SMALL_BODY = 'hello from up!\n';
export const LARGE_BYTES = 64 * 1024;

export interface Upstream extends RunningTarget {
  /** The same files over h2c with prior knowledge: the direct baseline for HTTP/2 clients. */
  readonly h2Port: number;
}

export async function startUpstream(dir: string): Promise<Upstream> {
  const root = join(dir, 'www');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'small'), SMALL_BODY);
  writeFileSync(join(root, '64k'), Buffer.alloc(LARGE_BYTES, 'x'));
  const port = await freePort();
  const h2Port = await freePort();
  const conf = `${nginxMain(dir)}
  sendfile on;
  tcp_nopush on;
  open_file_cache max=16 inactive=600s;
  open_file_cache_valid 600s;
  server {
    listen 127.0.0.1:${port};
    listen 127.0.0.1:${h2Port} http2;
    http2_max_concurrent_streams 1024;
    root ${root};
    default_type application/octet-stream;
    location / { try_files $uri =404; }
  }
}
`;
  const running = await runNginx(dir, conf, port, 'the upstream (nginx)');
  return { ...running, h2Port };
}
