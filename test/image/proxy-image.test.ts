/**
 * The proxy's container image, built and run without a Docker engine: the base is assembled
 * from this machine's Node.js (scripts/proxy-base-image.ts), proxy-image/Dockerfile is built
 * with `buildah build --isolation chroot --pull=never` on the payload of `npm run build`, and
 * the image's own ENTRYPOINT runs under `buildah run --isolation chroot` (host network) with
 * a bootstrap that points it at a real upstream on 127.0.0.1. buildah's storage (vfs, which
 * needs no overlay mounts) lives in the test's temp dir, so the test leaves nothing behind.
 * buildah is required: CI installs it (.ci/run); without it this test fails and says so.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { PROXY_MALLOC_ENV, PROXY_NODE_FLAGS } from '../../proxy-image/src/process-settings';
import { buildPayload } from '../../scripts/build';
import { buildBaseImage, DEFAULT_BASE_TAG, PROXY_UID } from '../../scripts/proxy-base-image';
import { type ChildHandle, spawnChild } from '../support/child-process';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { REPO_ROOT } from '../support/proxy-bundle';
import { tempDir } from '../support/temp-dir';
import { type HttpUpstream, startUpstream } from '../support/upstream';
import { GiveUp, waitFor } from '../support/wait';

jest.setTimeout(240_000);
const run = promisify(execFile);

function requireBuildah(): void {
  try {
    execFileSync('buildah', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      'buildah is not installed; the image test needs it: apt-get install -y buildah fuse-overlayfs (.ci/run does)',
    );
  }
}

interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  Healthcheck?: { Test?: string[] };
}

describe('proxy-image/Dockerfile', () => {
  const unique = `${process.pid}-${Date.now().toString(36)}`;
  const image = `localhost/trellis-proxy-test-${unique}:latest`;
  const marker = `image-test-${unique}`;
  let env: NodeJS.ProcessEnv;
  let container: string | undefined;
  let proxyRun: ChildHandle | undefined;
  let upstream: HttpUpstream;
  let config: ImageConfig;
  let mountPoint: string;
  let admin: string;

  const buildah = async (args: string[]) => (await run('buildah', args, { env, maxBuffer: 64 << 20 })).stdout.trim();

  beforeAll(async () => {
    requireBuildah();
    const dir = tempDir('trellis-image-');
    const storageConf = join(dir, 'storage.conf');
    writeFileSync(
      storageConf,
      `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'graph')}"\nrunroot = "${join(dir, 'run')}"\n`,
    );
    env = { ...process.env, CONTAINERS_STORAGE_CONF: storageConf, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' };

    // GIVEN the base image and the payload, in a context laid out as proxy-image/ after `npm run build`
    buildBaseImage({ tag: DEFAULT_BASE_TAG, env });
    const context = join(dir, 'context');
    await buildPayload(join(context, 'dist'));
    copyFileSync(join(REPO_ROOT, 'proxy-image', '.dockerignore'), join(context, '.dockerignore'));
    const dockerfile = join(REPO_ROOT, 'proxy-image', 'Dockerfile');
    await buildah([
      'build',
      '--isolation',
      'chroot',
      '--pull=never',
      '--format',
      'docker',
      '--build-arg',
      `BASE_IMAGE=${DEFAULT_BASE_TAG}`,
      '-f',
      dockerfile,
      '-t',
      image,
      context,
    ]);
    const inspected = JSON.parse(await buildah(['inspect', '--type', 'image', image]));
    config = inspected.Docker.config as ImageConfig;
    upstream = await startUpstream('backend');
  });

  afterAll(async () => {
    await proxyRun?.stop(5000);
    // buildah run forwards the signal, but a proxy left running would outlive the test: make sure.
    for (const pid of proxyPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (env) {
      await buildah(['umount', '--all']).catch(() => undefined);
      await buildah(['rm', '--all']).catch(() => undefined);
      await buildah(['rmi', '--all', '--force']).catch(() => undefined);
    }
    await cleanupAll();
  });

  /** The proxy processes this test started (host PID namespace: chroot isolation shares it). */
  function proxyPids(): number[] {
    const pids: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        if (argv.includes(marker) && argv.some((a) => a.endsWith('/app/proxy.js')) && !argv[0].includes('buildah')) {
          pids.push(Number(name));
        }
      } catch {
        // The process ended while we looked.
      }
    }
    return pids;
  }

  it('is built as the non-root UID 1337 with a HEALTHCHECK on /ready', () => {
    expect(config.User).toBe(`${PROXY_UID}:${PROXY_UID}`);
    // The image runs the proxy as trellis up and the benchmarks do (proxy-image/src/process-settings.ts).
    expect(config.Entrypoint).toEqual(['/usr/local/bin/node', ...PROXY_NODE_FLAGS, '/app/proxy.js']);
    expect(config.Healthcheck?.Test?.[0]).toBe('CMD');
    expect(config.Healthcheck?.Test?.join(' ')).toContain('/ready');
    expect(config.Env).toContain('TRELLIS_ENVOY_PROTO_DIR=/app/proto');
    for (const [name, value] of Object.entries(PROXY_MALLOC_ENV)) expect(config.Env).toContain(`${name}=${value}`);
  });

  it('runs the proxy from its ENTRYPOINT as UID 1337, ready and routing to an upstream', async () => {
    // GIVEN a stock bootstrap in the image's TRELLIS_CONFIG_YAML knob, every port ephemeral
    const bootstrap = httpBootstrap({ clusters: { backend: [upstream.port] } });
    container = await buildah(['from', '--pull-never', '--name', `trellis-proxy-test-${unique}`, image]);
    // WHEN the image's entrypoint runs, with no --user: the image's USER applies
    proxyRun = spawnChild(
      'buildah',
      [
        'run',
        '--isolation',
        'chroot',
        '--env',
        `TRELLIS_CONFIG_YAML=${stringify(bootstrap)}`,
        container,
        '--',
        ...(config.Entrypoint ?? []),
        '--service-node',
        marker,
      ],
      { env },
    );
    mountPoint = await buildah(['mount', container]);
    const addressFile = join(mountPoint, 'tmp', 'trellis-admin-address');
    admin = await waitFor(
      'the admin address written inside the container',
      () => {
        if (proxyRun?.proc.exitCode != null) {
          throw new GiveUp(`buildah run exited with ${proxyRun.proc.exitCode}:\n${proxyRun.stderr()}`);
        }
        try {
          return readFileSync(addressFile, 'utf8').trim() || undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
    );
    // THEN /ready answers 200 and the server is LIVE
    await waitFor('/ready', async () => (await httpRequest(`http://${admin}/ready`)).status === 200, 30_000);
    const info = JSON.parse((await httpRequest(`http://${admin}/server_info`)).body);
    expect(info.state).toBe('LIVE');
    expect(info.command_line_options.service_node).toBe(marker);

    // AND the process runs as UID 1337, not root: by the kernel's account and by the files it wrote
    const pids = await waitFor('the proxy process', () => {
      const p = proxyPids();
      return p.length ? p : undefined;
    });
    for (const pid of pids) {
      const uids = readFileSync(`/proc/${pid}/status`, 'utf8')
        .match(/^Uid:\s+(.*)$/m)?.[1]
        .split(/\s+/)
        .map(Number);
      expect(uids).toEqual([PROXY_UID, PROXY_UID, PROXY_UID, PROXY_UID]);
    }
    expect(statSync(addressFile).uid).toBe(PROXY_UID);

    // AND a request through its listener reaches the upstream on the host's loopback
    const listeners = JSON.parse((await httpRequest(`http://${admin}/listeners?format=json`)).body);
    const port = listeners.listener_statuses[0].local_address.socket_address.port_value;
    const res = await httpRequest(`http://127.0.0.1:${port}/through-the-image`);
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('backend');
    expect(upstream.requests.at(-1)?.path).toBe('/through-the-image');
  });

  it("passes the image's own HEALTHCHECK command while serving, and fails it once stopped", async () => {
    const test = config.Healthcheck?.Test ?? [];
    if (!container || !proxyRun) throw new Error('the previous test did not start the container');
    const healthcheck = () => buildah(['run', '--isolation', 'chroot', container as string, '--', ...test.slice(1)]);
    // THEN the HEALTHCHECK, run in the same container, exits 0 while the proxy is ready
    await expect(healthcheck()).resolves.toBeDefined();
    // AND exits non-zero once the proxy is gone (nothing answers on the admin address)
    await proxyRun.stop(10_000);
    await waitFor('the proxy process to exit', () => proxyPids().length === 0, 20_000);
    await expect(healthcheck()).rejects.toThrow();
  });
});
