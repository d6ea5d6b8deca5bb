/**
 * Running `trellis up` from tests: the real CLI (`node bin/trellis.js up`) on ephemeral ports
 * with a state file, the fixture mesh the e2e and dashboard tests share, and the process-tree
 * checks that prove nothing is left after it stops.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ChildHandle, spawnChild } from '../support/child-process';
import { bundleEnv, proxyBundle } from '../support/proxy-bundle';
import { waitFor } from '../support/wait';

export const REPO = resolve(__dirname, '..', '..');
export const DEMO_APP = join(REPO, 'examples', 'demo', 'app.js');

export interface UpState {
  pid: number;
  dashboard: string;
  controlPort: number;
  xdsPort: number;
  gateways: Record<string, Record<string, number>>;
  proxies: Array<{
    name: string;
    kind: 'sidecar' | 'gateway';
    adminPort: number;
    ingressPorts: Record<string, number>;
    appPorts: Record<string, number>;
    gatewayPorts: Record<string, number>;
  }>;
  processes: Array<{ name: string; pid: number; pgid: number }>;
}

/** The fixture: the demo's features (header routes, a canary, a flaky service behind retries). */
export function fixtureMesh(catalogWeights: [number, number] = [90, 10]): string {
  const run = (env: Record<string, string> = {}) =>
    `{ command: ${JSON.stringify(`node ${JSON.stringify(DEMO_APP)}`)}, env: ${JSON.stringify(env)} }`;
  return `name: shop
egress: DROP_ALL
gateways:
  edge:
    listeners: [{ port: 8080, protocol: http }]
    routes:
      - name: android
        priority: 10
        match: { path: { prefix: /mobile }, headers: [{ name: client, regex: "(?i)android.*" }] }
        target: { service: android-api }
      - name: ios
        priority: 10
        match: { path: { prefix: /mobile }, headers: [{ name: client, regex: "(?i)ios.*" }] }
        target: { service: ios-api }
      - name: catalog
        priority: 20
        match: { path: { prefix: /catalog } }
        target: { service: catalog }
      - name: web
        priority: 100
        match: { path: { prefix: / } }
        target: { service: frontend }
        rewrite: { prefix: false }
services:
  frontend:
    versions:
      v1:
        listeners: [{ port: 3000, protocol: http }]
        backends: [catalog, reviews]
        run: ${run({ CALLS: 'reviews' })}
  catalog:
    versions:
      v1:
        listeners: [{ port: 3000, protocol: http, healthCheck: { path: /health } }]
        run: ${run()}
      v2:
        listeners: [{ port: 3000, protocol: http, healthCheck: { path: /health } }]
        run: ${run()}
    routes:
      - name: canary
        targets:
          - { version: v1, weight: ${catalogWeights[0]} }
          - { version: v2, weight: ${catalogWeights[1]} }
  reviews:
    versions:
      v1:
        listeners: [{ port: 3000, protocol: http }]
        run: ${run({ FAILURE_RATE: '0.3' })}
    routes:
      - name: flaky-but-retried
        targets: [{ version: v1 }]
        retryPolicy: { maxRetries: 4, perRetryTimeout: 2s, httpRetryEvents: [server-error] }
  android-api:
    versions:
      v1:
        listeners: [{ port: 3000, protocol: http }]
        run: ${run()}
  ios-api:
    versions:
      v1:
        listeners: [{ port: 3000, protocol: http }]
        run: ${run()}
`;
}

export interface RunningMesh {
  readonly child: ChildHandle;
  readonly state: UpState;
  readonly stateFile: string;
  /** The gateway's origin, `http://127.0.0.1:<port>`. */
  readonly gateway: string;
}

/** Starts `trellis up <meshFile> --ports 0 --no-open --state-file ...` and waits for it to be ready. */
export async function startMesh(meshFile: string, dir: string, gatewayName: string): Promise<RunningMesh> {
  const stateFile = join(dir, 'state.json');
  const child = spawnChild(
    process.execPath,
    [join(REPO, 'bin', 'trellis.js'), 'up', meshFile, '--ports', '0', '--no-open', '--state-file', stateFile],
    // The test run's prebuilt proxy bundle: one esbuild per jest run, not per mesh.
    { cwd: REPO, env: bundleEnv({ TRELLIS_PROXY_BUNDLE: proxyBundle(), CI: '1' }) },
  );
  await child.waitForOutput(/^trellis: ready$/m, 75_000);
  const state = await waitFor('the state file', () =>
    existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as UpState) : undefined,
  );
  const port = Object.values(state.gateways[gatewayName])[0];
  return { child, state, stateFile, gateway: `http://127.0.0.1:${port}` };
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

function allProcs(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined && p.state !== 'Z');
}

/** Every live descendant of `root` (by parent pid), and the process groups they are in. */
export function processTree(root: number): { pids: Set<number>; pgids: Set<number> } {
  const procs = allProcs();
  const pids = new Set<number>([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!pids.has(p.pid) && pids.has(p.ppid)) {
        pids.add(p.pid);
        grew = true;
      }
    }
  }
  // The root shares the test runner's group; the groups that count are the ones below it.
  const rootGroup = procs.find((p) => p.pid === root)?.pgid;
  const pgids = new Set(procs.filter((p) => pids.has(p.pid) && p.pgid !== rootGroup).map((p) => p.pgid));
  return { pids, pgids };
}

/** Processes still alive that were in the tree or its groups. */
export function survivors(tree: { pids: Set<number>; pgids: Set<number> }): ProcInfo[] {
  return allProcs().filter((p) => tree.pids.has(p.pid) || tree.pgids.has(p.pgid));
}

export function writeMesh(file: string, text: string): void {
  // Write then rename, as editors do, so the watcher never reads half a file.
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}
