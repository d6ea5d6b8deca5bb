/** The proxy's version string, in the shape Envoy's `/server_info` and `--version` print. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function packageVersion(): string {
  try {
    // Source tree: proxy-image/src → repo root; a bundle sets TRELLIS_VERSION instead.
    return JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return process.env.TRELLIS_VERSION ?? '0.0.0';
  }
}

export const VERSION = packageVersion();

/** `<build>/<version>/<status>/<build type>/<TLS library>`, as Envoy reports itself. */
export const VERSION_STRING = `trellis/${VERSION}/Clean/RELEASE/Node-${process.versions.node}`;
