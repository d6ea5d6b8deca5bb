/**
 * How `trellis up` runs a proxy: `trellis proxy` from an esbuild bundle made once per run
 * (a bundled proxy starts in ~0.1 s; compiling it with tsx takes seconds per process, which a
 * mesh of many proxies on a laptop feels), or through bin/trellis.js when esbuild is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface ProxyCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** `TRELLIS_PROXY_BUNDLE` (the test suite's prebuilt copy) wins; otherwise one is built in `dir`. */
export function proxyCommand(dir: string): ProxyCommand {
  const nodePath = { NODE_PATH: join(REPO_ROOT, 'node_modules') };
  const prebuilt = process.env.TRELLIS_PROXY_BUNDLE;
  if (prebuilt && existsSync(prebuilt)) return { command: process.execPath, args: [prebuilt], env: nodePath };
  try {
    const { buildSync } = require('esbuild') as typeof import('esbuild');
    const outfile = join(dir, 'trellis-proxy.js');
    buildSync({
      entryPoints: [join(REPO_ROOT, 'proxy-image', 'src', 'main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      outfile,
      logLevel: 'error',
    });
    return { command: process.execPath, args: [outfile], env: nodePath };
  } catch {
    return { command: process.execPath, args: [join(REPO_ROOT, 'bin', 'trellis.js'), 'proxy'], env: {} };
  }
}
