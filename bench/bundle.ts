/**
 * Node targets run as esbuild bundles, not through tsx: tsx's compiler would sit in every
 * process's memory and start-up, skewing RSS and CPU against the peers. Dependencies stay in
 * node_modules (NODE_PATH), as test/support/proxy-bundle.ts does for the proxy.
 */
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from '../test/support/proxy-bundle';

export function bundle(entry: string, outDir: string, name: string): string {
  const outfile = join(outDir, `${name}.js`);
  buildSync({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

export function nodeEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules'), NODE_ENV: 'production' };
}
