/**
 * Where a proxy's added latency goes, seen from the kernel: at a fixed open-loop rate, `perf`
 * records the proxy's system calls (the raw_syscalls tracepoints: cheap, unlike strace) and this
 * measures, per message, the time from the read that brought it in to the write that sends it
 * on (the proxy's own work on the critical path), how long that write took (the kernel's TCP
 * path and the wakeup of the receiver, which every proxy pays), and how long the proxy stayed
 * busy after its last write before waiting again (work off the critical path that still delays
 * the next message). Trellis and the peers are measured alike in one run, so their figures
 * compare on a shared machine. Needs root (tracepoints) and perf (Debian's linux-perf, installed
 * when missing).
 *
 *   npx tsx bench/syscall-gaps.ts [--rate 1000] [--duration 4] [--variant image --variant HAProxy]
 *     (variants: image, HAProxy, nginx, http-proxy, @fastify/http-proxy)
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test/support/temp-dir';
import { positiveOption, runBench } from './cli';
import { openLoop } from './open-loop';
import { ensureTools } from './packages';
import { processTree } from './process-stats';
import { haproxy, useHaproxy } from './targets/haproxy';
import { nginx, useNginx } from './targets/nginx';
import { fastifyProxyPeer, httpProxyPeer } from './targets/node-peers';
import type { TargetKind } from './targets/target';
import { trellisTarget } from './targets/trellis';
import { SMALL_PATH, startUpstream } from './upstream';

// x86-64 system call numbers.
const READS = new Set([0, 19, 45, 47]); // read, readv, recvfrom, recvmsg
const WRITES = new Set([1, 20, 44, 46, 40]); // write, writev, sendto, sendmsg, sendfile
const WAITS = new Set([7, 232, 281, 441]); // poll, epoll_wait, epoll_pwait, epoll_pwait2

const KINDS: Record<string, () => TargetKind> = {
  image: () => trellisTarget(),
  HAProxy: () => haproxy,
  nginx: () => nginx,
  'http-proxy': () => httpProxyPeer,
  '@fastify/http-proxy': () => fastifyProxyPeer,
};

interface Event {
  readonly tid: number;
  readonly us: number;
  readonly enter: boolean;
  readonly nr: number;
  /** Enter: the first argument (a file descriptor for reads and writes). Exit: the result. */
  readonly value: number;
}

const LINE =
  /^\s*\S+\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+raw_syscalls:sys_(enter|exit):\s+NR (\d+) (?:\(([0-9a-f]+)|= (-?\d+))/;

function parse(script: string): Event[] {
  const out: Event[] = [];
  for (const line of script.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const enter = m[3] === 'enter';
    out.push({
      tid: Number(m[1]),
      us: Number(m[2]) * 1e6,
      enter,
      nr: Number(m[4]),
      value: enter ? Number.parseInt(m[5] ?? '0', 16) : Number(m[6] ?? 0),
    });
  }
  return out;
}

/** Each socket fd of `pids` by whether its local port is `port` (a downstream connection). */
function socketRoles(pids: readonly number[], port: number): Map<string, 'down' | 'up'> {
  const portByInode = new Map<string, number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9) portByInode.set(f[9], Number.parseInt(f[1].split(':')[1], 16));
  }
  const roles = new Map<string, 'down' | 'up'>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      const local = inode ? portByInode.get(inode) : undefined;
      if (local !== undefined) roles.set(`${pid}:${fd}`, local === port ? 'down' : 'up');
    }
  }
  return roles;
}

interface Gaps {
  request: number[];
  response: number[];
  write: number[];
  after: number[];
  wakes: number;
  batched: number;
}

/** `tgidOf` maps a thread to its process, whose fd table the roles are keyed by. */
function measure(events: readonly Event[], roles: Map<string, 'down' | 'up'>, tgidOf: (tid: number) => number): Gaps {
  const g: Gaps = { request: [], response: [], write: [], after: [], wakes: 0, batched: 0 };
  const state = new Map<
    number,
    { enterNr: number; enterUs: number; enterFd: number; readFd: number; readUs: number; lastWriteExit: number }
  >();
  for (const e of events) {
    let s = state.get(e.tid);
    if (!s) {
      s = { enterNr: -1, enterUs: 0, enterFd: -1, readFd: -1, readUs: 0, lastWriteExit: 0 };
      state.set(e.tid, s);
    }
    if (e.enter) {
      if (WRITES.has(e.nr) && s.readFd >= 0 && e.value !== s.readFd) {
        // A socket opened after the scan is upstream: clients keep their connections, and a
        // proxy without upstream keep-alive (the nginx peer) opens one per request.
        const role = roles.get(`${tgidOf(e.tid)}:${s.readFd}`) ?? 'up';
        (role === 'down' ? g.request : g.response).push(e.us - s.readUs);
        s.readFd = -1;
      }
      if (WAITS.has(e.nr) && s.lastWriteExit) {
        g.after.push(e.us - s.lastWriteExit);
        s.lastWriteExit = 0;
      }
      s.enterNr = e.nr;
      s.enterUs = e.us;
      s.enterFd = e.value;
      continue;
    }
    if (e.nr !== s.enterNr) continue;
    if (READS.has(e.nr) && e.value > 0) {
      s.readFd = s.enterFd;
      s.readUs = e.us;
    } else if (WRITES.has(e.nr) && e.value > 0) {
      g.write.push(e.us - s.enterUs);
      s.lastWriteExit = e.us;
    } else if (WAITS.has(e.nr) && e.value > 0) {
      g.wakes++;
      if (e.value > 1) g.batched++;
    }
  }
  return g;
}

function quantile(a: number[], q: number): number {
  if (a.length === 0) return Number.NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function threadGroup(tid: number): number {
  try {
    return Number(/^Tgid:\s+(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'))?.[1] ?? tid);
  } catch {
    return tid;
  }
}

function ensurePerf(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v perf'], { encoding: 'utf8' }).trim();
  } catch {
    process.stderr.write('bench: installing linux-perf with apt-get\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'linux-perf'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    });
    return execFileSync('sh', ['-c', 'command -v perf'], { encoding: 'utf8' }).trim();
  }
}

function record(perf: string, pids: readonly number[], out: string, seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      perf,
      [
        'record',
        '-q',
        '-e',
        'raw_syscalls:sys_enter',
        '-e',
        'raw_syscalls:sys_exit',
        '-p',
        pids.join(','),
        '-o',
        out,
        '--',
        'sleep',
        String(seconds),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited ${code}: ${err.trim()}`))));
  });
}

async function main(argv: string[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root: perf reads the raw_syscalls tracepoints');
  const rate = positiveOption(argv, '--rate', 1000);
  const durationS = positiveOption(argv, '--duration', 4);
  const variants = argv.flatMap((a, i) => (argv[i - 1] === '--variant' ? [a] : []));
  for (const v of variants)
    if (!KINDS[v]) throw new Error(`unknown variant ${v} (known: ${Object.keys(KINDS).join(', ')})`);
  const perf = ensurePerf();
  const tools = ensureTools();
  useNginx(tools.nginx);
  useHaproxy(tools.haproxy);
  const dir = tempDir('trellis-bench-gaps-');
  const upstream = await startUpstream(join(dir, 'upstream'));
  const rows: string[] = [];
  for (const name of variants.length ? variants : ['image', 'HAProxy']) {
    const target = await KINDS[name]().start({ upstream, protocol: 'h1', dir: join(dir, name) });
    try {
      await openLoop({ origin: target.origin, path: SMALL_PATH, protocol: 'h1', rate, durationS: 2 });
      // Load runs on past the recording on both sides, so the trace holds only steady traffic.
      const load = openLoop({
        origin: target.origin,
        path: SMALL_PATH,
        protocol: 'h1',
        rate,
        durationS: durationS + 2,
      });
      await new Promise((r) => setTimeout(r, 1000));
      const pids = processTree(target.pids);
      const roles = socketRoles(pids, target.port);
      const data = join(dir, `${name}.perf`);
      await record(perf, pids, data, durationS);
      await load;
      const script = execFileSync(perf, ['script', '-i', data], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const tgids = new Map<number, number>();
      const tgidOf = (tid: number) => {
        let t = tgids.get(tid);
        if (t === undefined) tgids.set(tid, (t = pids.includes(tid) ? tid : threadGroup(tid)));
        return t;
      };
      const g = measure(parse(script), roles, tgidOf);
      const f = (a: number[]) =>
        `${quantile(a, 0.5).toFixed(0).padStart(4)} / ${quantile(a, 0.9).toFixed(0).padStart(4)}`;
      rows.push(
        `| ${name.padEnd(19)} | ${f(g.request)} | ${f(g.response)} | ${f(g.write)} | ${f(g.after)} | ${((100 * g.batched) / Math.max(1, g.wakes)).toFixed(0).padStart(3)} % | ${String(g.request.length).padStart(6)} |`,
      );
    } finally {
      await target.stop();
    }
  }
  await upstream.stop();
  process.stdout.write(
    [
      `HTTP/1.1 at ${rate} rps, ${durationS} s traced per variant; µs, p50 / p90`,
      '',
      '| variant             | request: read → write | response: read → write | write syscall | busy after last write | wakeups with > 1 event | requests |',
      '| ------------------- | --------------------- | ---------------------- | ------------- | --------------------- | ---------------------- | -------- |',
      ...rows,
      '',
    ].join('\n'),
  );
}

runBench('syscall-gaps', main);
