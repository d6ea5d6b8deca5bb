/**
 * `npm run build`: the container image's payload in proxy-image/dist/ (or `--outdir <dir>`):
 *   proxy.js  the proxy and its entry point (scripts/build-image-entrypoint.ts), one esbuild
 *             bundle with every dependency inside, minified, so the image needs no node_modules;
 *   proto/    Envoy's .proto files, which the xDS client and config schema read at run time
 *             (the layout TRELLIS_ENVOY_PROTO_DIR expects: the deps of @grpc/grpc-js-xds plus
 *             protobufjs's google/protobuf/descriptor.proto).
 * Prints the sizes, which issue 3 asks to report.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { buildSync } from 'esbuild';

export const REPO_ROOT = resolve(__dirname, '..');
export const DEFAULT_OUTDIR = join(REPO_ROOT, 'proxy-image', 'dist');

export interface BuildResult {
  readonly outdir: string;
  readonly bundleBytes: number;
  readonly protoBytes: number;
  readonly protoFiles: number;
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] }));
}

/** Copies only the .proto files of `from` into `to`, keeping their import paths. */
function copyProtos(from: string, to: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.proto')) {
        const dest = join(to, relative(from, p));
        mkdirSync(dirname(dest), { recursive: true });
        cpSync(p, dest);
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(from);
  return { files, bytes };
}

export function buildPayload(outdir = DEFAULT_OUTDIR): BuildResult {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  const outfile = join(outdir, 'proxy.js');
  buildSync({
    entryPoints: [join(REPO_ROOT, 'scripts', 'build-image-entrypoint.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Names stay readable in stack traces and CPU profiles.
    keepNames: true,
    legalComments: 'none',
    outfile,
    // The bundle has no package.json beside it; version.ts falls back to this.
    define: { 'process.env.TRELLIS_VERSION': JSON.stringify(version) },
    logLevel: 'error',
  });
  const proto = join(outdir, 'proto');
  const xdsDeps = join(packageDir('@grpc/grpc-js-xds'), 'deps');
  let protoFiles = 0;
  let protoBytes = 0;
  for (const sub of ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']) {
    const r = copyProtos(join(xdsDeps, sub), join(proto, sub));
    protoFiles += r.files;
    protoBytes += r.bytes;
  }
  const descriptor = copyProtos(join(packageDir('protobufjs'), 'google'), join(proto, 'google'));
  protoFiles += descriptor.files;
  protoBytes += descriptor.bytes;
  return { outdir, bundleBytes: statSync(outfile).size, protoBytes, protoFiles };
}

function main(argv: string[]): void {
  const i = argv.indexOf('--outdir');
  const outdir = i >= 0 ? resolve(argv[i + 1] ?? '') : DEFAULT_OUTDIR;
  const r = buildPayload(outdir);
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    `built ${relative(process.cwd(), r.outdir) || '.'}: proxy.js ${kib(r.bundleBytes)}, ` +
      `proto/ ${r.protoFiles} files ${kib(r.protoBytes)}\n`,
  );
}

if (require.main === module) main(process.argv.slice(2));
