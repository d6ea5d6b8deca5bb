/**
 * The proxy as tests run it: one esbuild bundle of proxy-image/src/main.ts, built once per
 * jest run by the global setup (or lazily, once per worker, when a test file runs alone), so
 * each proxy process starts in a fraction of tsx's compile time. Dependencies stay in
 * node_modules (NODE_PATH points there). `bin/trellis.js` remains the user-facing path and is
 * tested on its own.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const ENV_VAR = 'TRELLIS_PROXY_BUNDLE';

/** Builds the bundle into `dir`; returns the path of the entry file. */
export function buildProxyBundle(dir: string): string {
  const outfile = join(dir, 'trellis-proxy.js');
  buildSync({
    entryPoints: [join(REPO_ROOT, 'proxy-image', 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'inline',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

let built: string | undefined;

/** Path of the bundled proxy, building it if the global setup did not. */
export function proxyBundle(): string {
  const fromSetup = process.env[ENV_VAR];
  if (fromSetup && existsSync(fromSetup)) return fromSetup;
  if (!built) built = buildProxyBundle(mkdtempSync(join(tmpdir(), 'trellis-proxy-bundle-')));
  return built;
}

/** Environment for a bundled proxy: dependencies resolve from the repository's node_modules. */
export function bundleEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules'), ...extra };
}
