/**
 * Process entry point for bundles (the container image, the test suite's prebuilt copy):
 * `node main.js --config <bootstrap>` runs `trellis proxy` directly.
 */
import { proxy } from './cli';

proxy(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`trellis proxy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
