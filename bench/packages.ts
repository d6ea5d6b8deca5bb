/**
 * The Debian packages the benchmark drives (nginx, HAProxy, wrk, h2load): installed with apt
 * when missing, as issue 8 asks ("the bench installs and configures them itself"). Needs root
 * or sudo; without either, it says which packages to install.
 */
import { execFileSync } from 'node:child_process';

const TOOLS = {
  nginx: 'nginx-light',
  haproxy: 'haproxy',
  wrk: 'wrk',
  h2load: 'nghttp2-client',
} as const;

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of each tool, installing the missing ones first. */
export type Tools = Record<keyof typeof TOOLS, string>;

export function ensureTools(): Tools {
  return ensureCommands(TOOLS);
}

/** `perf`, for bench/syscall-gaps.ts only (the other benches do without it). */
export function ensurePerf(): string {
  return ensureCommands({ perf: 'linux-perf' }).perf;
}

/** Each command's absolute path, by name; the Debian packages of missing ones installed first. */
function ensureCommands<T extends Record<string, string>>(packages: T): Record<keyof T, string> {
  const missing = (Object.keys(packages) as Array<keyof T & string>).filter(
    (cmd) => !onPath(cmd) && !onPath(`/usr/sbin/${cmd}`),
  );
  if (missing.length) {
    const pkgs = missing.map((c) => packages[c]);
    const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
    process.stderr.write(`bench: installing ${pkgs.join(' ')} with apt-get\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      const run = (args: string[]) =>
        execFileSync(asRoot[0] ?? args[0], [...asRoot.slice(1), ...(asRoot.length ? args : args.slice(1))], {
          stdio: ['ignore', 'ignore', 'inherit'],
          env,
        });
      run(['apt-get', 'update', '-qq']);
      run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
    } catch (e) {
      throw new Error(`bench: could not install ${pkgs.join(' ')} (${(e as Error).message}); install them and rerun`);
    }
  }
  const out: Record<string, string> = {};
  for (const cmd of Object.keys(packages)) {
    out[cmd] = execFileSync('sh', ['-c', `command -v ${cmd} || command -v /usr/sbin/${cmd}`], {
      encoding: 'utf8',
    }).trim();
  }
  return out as Record<keyof T, string>;
}
