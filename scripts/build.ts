/**
 * `npm run build`: the container image's payload in proxy-image/dist/ (or `--outdir <dir>`):
 *   proxy.js  the proxy and its entry point (scripts/build-image-entrypoint.ts), one esbuild
 *             bundle with its dependencies inside, minified;
 *   node_modules/<package>/index.js
 *             the packages the proxy requires only when a config needs them (LAZY_PACKAGES),
 *             each one bundle, found by Node's own lookup from proxy.js: a proxy that never
 *             requires them neither parses nor keeps their code (V8 keeps a script's source);
 *   proto/    Envoy's .proto files, which the xDS client and config schema read at run time
 *             (the layout TRELLIS_ENVOY_PROTO_DIR expects: the deps of @grpc/grpc-js-xds plus
 *             protobufjs's google/protobuf/descriptor.proto), and index.json, which says which
 *             file declares which type.
 * Prints the sizes, which issue 3 asks to report.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { envoyIncludeDirs, envoyIndexFile, ProtoFileIndex, SCANNED_ROOTS } from '../lib/envoy/proto-files';

export const REPO_ROOT = resolve(__dirname, '..');
export const DEFAULT_OUTDIR = join(REPO_ROOT, 'proxy-image', 'dist');

/**
 * Required on demand by the proxy: gRPC for an ADS stream (grpc-mux.ts), the S3 client and zod
 * for an `s3://` source (subscription-factory.ts), all of undici for REST sources and remote
 * JWKS (upstream/undici.ts), yaml for YAML documents (config/load.ts). Only the bare name is kept
 * out of proxy.js: `undici/lib/dispatcher/client`, used by every proxy, stays inside.
 */
export const LAZY_PACKAGES = ['@grpc/grpc-js', '@aws-sdk/client-s3', 'undici', 'zod', 'yaml'] as const;

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Names stay readable in stack traces and CPU profiles.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'error',
};

const lazyPackagesExternal: Plugin = {
  name: 'lazy-packages-external',
  setup(build) {
    const exact = new RegExp(`^(${LAZY_PACKAGES.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter: exact }, (args) => ({ path: args.path, external: true }));
  },
};

export interface BuildResult {
  readonly outdir: string;
  readonly bundleBytes: number;
  /** The lazily loaded packages' bundles, all together. */
  readonly lazyBytes: number;
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

export async function buildPayload(outdir = DEFAULT_OUTDIR): Promise<BuildResult> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  const outfile = join(outdir, 'proxy.js');
  // Plugins need the asynchronous API; the build is still one step, awaited by the caller.
  await build({
    ...COMMON,
    entryPoints: [join(REPO_ROOT, 'scripts', 'build-image-entrypoint.ts')],
    outfile,
    // The bundle has no package.json beside it; version.ts falls back to this.
    define: { 'process.env.TRELLIS_VERSION': JSON.stringify(version) },
    plugins: [lazyPackagesExternal],
  });
  let lazyBytes = 0;
  for (const name of LAZY_PACKAGES) {
    const file = join(outdir, 'node_modules', name, 'index.js');
    await build({
      ...COMMON,
      stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: REPO_ROOT },
      outfile: file,
    });
    lazyBytes += statSync(file).size;
  }
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
  // Which file declares which type, so the proxy need not scan them all at start.
  const index = ProtoFileIndex.scan(envoyIncludeDirs(proto), SCANNED_ROOTS);
  writeFileSync(envoyIndexFile(proto)!, JSON.stringify(index));
  return { outdir, bundleBytes: statSync(outfile).size, lazyBytes, protoBytes, protoFiles };
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--outdir');
  const outdir = i >= 0 ? resolve(argv[i + 1] ?? '') : DEFAULT_OUTDIR;
  const r = await buildPayload(outdir);
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    `built ${relative(process.cwd(), r.outdir) || '.'}: proxy.js ${kib(r.bundleBytes)}, ` +
      `node_modules/ (${LAZY_PACKAGES.join(', ')}: loaded when used) ${kib(r.lazyBytes)}, ` +
      `proto/ ${r.protoFiles} files ${kib(r.protoBytes)}\n`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`build: ${e.message}\n`);
    process.exit(1);
  });
}
