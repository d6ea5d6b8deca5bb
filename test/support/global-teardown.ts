/** Jest global teardown: remove the bundle the global setup built. */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ENV_VAR } from './proxy-bundle';

export default function globalTeardown(): void {
  const bundle = process.env[ENV_VAR];
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
}
