/**
 * How `trellis up` runs a proxy: `trellis proxy` from an esbuild bundle made once per run
 * (a bundled proxy starts in ~0.1 s; compiling it with tsx takes seconds per process, which a
 * mesh of many proxies on a laptop feels), or through bin/trellis.js when esbuild is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROXY_MALLOC_ENV, PROXY_NODE_FLAGS } from '../../proxy-image/src/process-settings';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface ProxyCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** `TRELLIS_PROXY_BUNDLE` (the test suite's prebuilt copy) wins; otherwise one is built in `dir`. */
export function proxyCommand(dir: string): ProxyCommand {
  // The image's memory settings (proxy-image/src/process-settings.ts): a laptop mesh runs many proxies.
  const env = { NODE_PATH: join(REPO_ROOT, 'node_modules'), ...PROXY_MALLOC_ENV };
  const prebuilt = process.env.TRELLIS_PROXY_BUNDLE;
  if (prebuilt && existsSync(prebuilt)) {
    return { command: process.execPath, args: [...PROXY_NODE_FLAGS, prebuilt], env };
  }
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
    return { command: process.execPath, args: [...PROXY_NODE_FLAGS, outfile], env };
  } catch {
    // Unbundled, tsx compiles at start and makes garbage a small young generation would slow.
    return { command: process.execPath, args: [join(REPO_ROOT, 'bin', 'trellis.js'), 'proxy'], env: {} };
  }
}
