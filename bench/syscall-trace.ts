/**
 * A proxy's system calls, recorded with `perf` from the raw_syscalls tracepoints (cheap, unlike
 * strace), and the gaps between them that tell where a message's time goes: from the read that
 * brought it in to the write that sends it on, the write itself, and the busy time after the
 * last write before the proxy waits again. bench/syscall-gaps.ts prints them per target.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// x86-64 system call numbers.
const READS = new Set([0, 19, 45, 47]); // read, readv, recvfrom, recvmsg
const WRITES = new Set([1, 20, 44, 46, 40]); // write, writev, sendto, sendmsg, sendfile
const WAITS = new Set([7, 232, 281, 441]); // poll, epoll_wait, epoll_pwait, epoll_pwait2

export interface Event {
  readonly tid: number;
  readonly us: number;
  readonly enter: boolean;
  readonly nr: number;
  /** Enter: the first argument (a file descriptor for reads and writes). Exit: the result. */
  readonly value: number;
}

const LINE =
  /^\s*\S+\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+raw_syscalls:sys_(enter|exit):\s+NR (\d+) (?:\(([0-9a-f]+)|= (-?\d+))/;

export function parse(script: string): Event[] {
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
export function socketRoles(pids: readonly number[], port: number): Map<string, 'down' | 'up'> {
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

export interface Gaps {
  request: number[];
  response: number[];
  write: number[];
  after: number[];
  wakes: number;
  batched: number;
}

/** `tgidOf` maps a thread to its process, whose fd table the roles are keyed by. */
export function measure(
  events: readonly Event[],
  roles: Map<string, 'down' | 'up'>,
  tgidOf: (tid: number) => number,
): Gaps {
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

export function threadGroup(tid: number): number {
  try {
    return Number(/^Tgid:\s+(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'))?.[1] ?? tid);
  } catch {
    return tid;
  }
}

export function record(perf: string, pids: readonly number[], out: string, seconds: number): Promise<void> {
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
