/**
 * The proxy image's base, assembled locally because no image registry is reachable: this
 * machine's own Node.js binary, the shared libraries `ldd` lists for it, and the few /etc files
 * a process needs (passwd and group naming the proxy's UID 1337, hosts, nsswitch), committed
 * with buildah as `localhost/trellis-node-base:<node major>`, the name proxy-image/Dockerfile's
 * FROM lines use. Nothing else: no shell, no package manager.
 *
 *   npx tsx scripts/proxy-base-image.ts [--tag <name>] [--node <path>]
 *
 * buildah's storage follows its usual configuration (CONTAINERS_STORAGE_CONF, STORAGE_DRIVER),
 * which is how the image test keeps everything in a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const PROXY_UID = 1337;
export const DEFAULT_BASE_TAG = `localhost/trellis-node-base:${process.versions.node.split('.')[0]}`;
const NODE_IN_IMAGE = '/usr/local/bin/node';

/** Absolute paths of the shared objects a binary loads, from `ldd` (the vDSO has no file). */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = line.match(/=>\s*(\/\S+)/) ?? line.match(/^\s*(\/\S+)/);
    if (m) libs.push(m[1]);
  }
  if (!libs.length) throw new Error(`ldd ${binary}: no shared libraries listed (is it a dynamic executable?)\n${out}`);
  return libs;
}

const ETC: Record<string, string> = {
  passwd: `root:x:0:0:root:/root:/sbin/nologin\nproxy:x:${PROXY_UID}:${PROXY_UID}:trellis proxy:/tmp:/sbin/nologin\n`,
  group: `root:x:0:\nproxy:x:${PROXY_UID}:\n`,
  hosts: '127.0.0.1 localhost\n::1 localhost\n',
  'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
};

/** Lays out the base image's files in a directory. */
export function assembleRootfs(dir: string, nodeBinary: string): void {
  const real = realpathSync(nodeBinary);
  mkdirSync(join(dir, dirname(NODE_IN_IMAGE)), { recursive: true });
  copyFileSync(real, join(dir, NODE_IN_IMAGE));
  chmodSync(join(dir, NODE_IN_IMAGE), 0o755);
  // Each library goes where ldd found it (the loader's own path is baked into the binary).
  for (const lib of sharedLibraries(real)) {
    mkdirSync(join(dir, dirname(lib)), { recursive: true });
    copyFileSync(realpathSync(lib), join(dir, lib));
  }
  mkdirSync(join(dir, 'etc'), { recursive: true });
  for (const [name, text] of Object.entries(ETC)) writeFileSync(join(dir, 'etc', name), text);
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
}

function buildah(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync('buildah', args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Builds and commits the base image; returns its image id. */
export function buildBaseImage(opts: { tag?: string; nodeBinary?: string; env?: NodeJS.ProcessEnv } = {}): {
  tag: string;
  id: string;
} {
  const tag = opts.tag ?? DEFAULT_BASE_TAG;
  const env = opts.env ?? process.env;
  const rootfs = mkdtempSync(join(tmpdir(), 'trellis-base-rootfs-'));
  let container: string | undefined;
  try {
    assembleRootfs(rootfs, opts.nodeBinary ?? process.execPath);
    container = buildah(['from', '--name', `trellis-base-${process.pid}-${Date.now()}`, 'scratch'], env);
    buildah(['copy', container, `${rootfs}/`, '/'], env);
    buildah(
      [
        'config',
        '--env',
        'PATH=/usr/local/bin:/usr/bin:/bin',
        '--env',
        `NODE_VERSION=${process.versions.node}`,
        '--workingdir',
        '/',
        '--cmd',
        NODE_IN_IMAGE,
        container,
      ],
      env,
    );
    const id = buildah(['commit', '--rm', '--quiet', container, tag], env);
    container = undefined;
    return { tag, id };
  } finally {
    if (container) {
      try {
        buildah(['rm', container], env);
      } catch {
        // The container may never have been created; nothing to remove then.
      }
    }
    rmSync(rootfs, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const r = buildBaseImage({ tag: flag('--tag'), nodeBinary: flag('--node') });
  process.stdout.write(`${r.tag} ${r.id}\n`);
}

if (require.main === module) main(process.argv.slice(2));
