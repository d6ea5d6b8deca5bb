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

/**
 * The memory settings of the proxy image (proxy-image/Dockerfile says why and what they save):
 * a laptop running a mesh runs many proxies.
 */
const NODE_FLAGS = ['--max-semi-space-size=2'];
const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };

/** `TRELLIS_PROXY_BUNDLE` (the test suite's prebuilt copy) wins; otherwise one is built in `dir`. */
export function proxyCommand(dir: string): ProxyCommand {
  const env = { NODE_PATH: join(REPO_ROOT, 'node_modules'), ...MALLOC_ENV };
  const prebuilt = process.env.TRELLIS_PROXY_BUNDLE;
  if (prebuilt && existsSync(prebuilt)) return { command: process.execPath, args: [...NODE_FLAGS, prebuilt], env };
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
    return { command: process.execPath, args: [...NODE_FLAGS, outfile], env };
  } catch {
    // Unbundled, tsx compiles at start and makes garbage a small young generation would slow.
    return { command: process.execPath, args: [join(REPO_ROOT, 'bin', 'trellis.js'), 'proxy'], env: {} };
  }
}
