/** Jest global setup: bundle the proxy once for the whole run (see proxy-bundle.ts). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProxyBundle, ENV_VAR } from './proxy-bundle';

export default function globalSetup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-proxy-bundle-'));
  process.env[ENV_VAR] = buildProxyBundle(dir);
}
