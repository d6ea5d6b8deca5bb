/**
 * Running the Trellis proxy in tests: writes a bootstrap into a temp dir, starts the bundled
 * proxy as a child process with `--admin-address-path`, waits for `/ready`, and gives the test
 * the admin API, listener ports (read from `/listeners?format=json`, since listeners bind
 * port 0) and stats. Every proxy is stopped when the test file ends.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type ChildHandle, spawnChild } from './child-process';
import type { Doc } from './envoy-config';
import { httpRequest } from './http-client';
import { bundleEnv, proxyBundle, REPO_ROOT } from './proxy-bundle';
import { tempDir } from './temp-dir';
import { GiveUp, waitFor } from './wait';

export interface ProxyHandle {
  readonly child: ChildHandle;
  readonly dir: string;
  readonly configPath: string;
  readonly admin: string;
  /** The bound port of a listener (by name, default the first). */
  listenerPort(name?: string): Promise<number>;
  /** `http://127.0.0.1:<port>` of a listener. */
  origin(name?: string): Promise<string>;
  adminGet(path: string): Promise<{ status: number; body: string }>;
  adminPost(path: string): Promise<{ status: number; body: string }>;
  /** Counters and gauges from `/stats?format=json`. */
  stats(): Promise<Map<string, number>>;
  stat(name: string): Promise<number>;
  stop(): Promise<void>;
  output(): string;
}

export interface StartOptions {
  /** A bootstrap document (written as YAML, or JSON with `format: 'json'`) or the path of one. */
  readonly config: Doc | string;
  readonly format?: 'yaml' | 'json';
  readonly args?: readonly string[];
  /** Run through `bin/trellis.js proxy` (tsx) instead of the bundle. */
  readonly viaBin?: boolean;
  /** Wait for /ready to answer 200 (default true). */
  readonly waitReady?: boolean;
  readonly dir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export async function startProxy(o: StartOptions): Promise<ProxyHandle> {
  const dir = o.dir ?? tempDir('trellis-proxy-');
  let configPath: string;
  if (typeof o.config === 'string') configPath = o.config;
  else {
    configPath = join(dir, o.format === 'json' ? 'envoy.json' : 'envoy.yaml');
    writeFileSync(configPath, o.format === 'json' ? JSON.stringify(o.config, null, 2) : stringify(o.config));
  }
  const adminPath = join(dir, `admin-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const proxyArgs = ['--config', configPath, '--admin-address-path', adminPath, ...(o.args ?? [])];
  const child = o.viaBin
    ? spawnChild(process.execPath, [join(REPO_ROOT, 'bin', 'trellis.js'), 'proxy', ...proxyArgs], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...o.env },
      })
    : spawnChild(process.execPath, [proxyBundle(), ...proxyArgs], { cwd: dir, env: bundleEnv(o.env) });
  const admin = await waitFor(
    'the admin address file',
    async () => {
      if (child.proc.exitCode !== null) {
        throw new GiveUp(`proxy exited with ${child.proc.exitCode}:\n${child.stderr()}`);
      }
      try {
        const text = (await import('node:fs')).readFileSync(adminPath, 'utf8').trim();
        return text || undefined;
      } catch {
        return undefined;
      }
    },
    30_000,
  ).catch((e) => {
    if (e instanceof GiveUp) throw e;
    throw new Error(`${(e as Error).message}\nstderr:\n${child.stderr()}`);
  });
  const adminUrl = `http://${admin}`;
  const get = async (path: string) => {
    const r = await httpRequest(`${adminUrl}${path}`);
    return { status: r.status, body: r.body };
  };
  const post = async (path: string) => {
    const r = await httpRequest(`${adminUrl}${path}`, { method: 'POST' });
    return { status: r.status, body: r.body };
  };
  if (o.waitReady !== false) {
    await waitFor(
      'proxy /ready',
      async () => {
        if (child.proc.exitCode !== null)
          throw new GiveUp(`proxy exited with ${child.proc.exitCode}:\n${child.stderr()}`);
        return (await get('/ready')).status === 200;
      },
      30_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nstderr:\n${child.stderr()}`);
    });
  }
  const listenerPort = async (name?: string) => {
    const r = await get('/listeners?format=json');
    const list = JSON.parse(r.body).listener_statuses as Array<{ name: string; local_address: Doc }>;
    const l = name ? list.find((x) => x.name === name) : list[0];
    if (!l) throw new Error(`no listener ${name ?? ''} in ${r.body}`);
    return l.local_address.socket_address.port_value as number;
  };
  const stats = async () => {
    const r = await get('/stats?format=json');
    const out = new Map<string, number>();
    for (const s of JSON.parse(r.body).stats) if (typeof s.name === 'string') out.set(s.name, s.value);
    return out;
  };
  return {
    child,
    dir,
    configPath,
    admin: adminUrl,
    listenerPort,
    origin: async (name) => `http://127.0.0.1:${await listenerPort(name)}`,
    adminGet: get,
    adminPost: post,
    stats,
    stat: async (name) => (await stats()).get(name) ?? 0,
    stop: () => child.stop(10_000),
    output: () => `${child.stdout()}\n${child.stderr()}`,
  };
}
