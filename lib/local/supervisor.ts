/**
 * The process supervisor: starts each proxy and application in a process group of its own
 * (so a group kill takes shells and their children with it, and the terminal's Ctrl-C reaches
 * only `trellis up`, which then stops them in order), prefixes their output with their name,
 * and stops them all: SIGTERM to each group, SIGKILL after a grace period. A reaper process
 * kills the groups if `trellis up` itself dies without stopping them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface UnitSpec {
  /** Shown as the line prefix: `catalog/v1`, `catalog/v1 proxy`. */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** Run `command` through /bin/sh (a mesh file's `run.command`). */
  readonly shell?: boolean;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Output to print: every line, or only stderr (proxies are quiet unless something is wrong). */
  readonly show?: 'all' | 'stderr' | 'none';
}

export interface Unit {
  readonly spec: UnitSpec;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running: boolean;
  /** The last lines it printed, for error reports. */
  readonly tail: string[];
}

export interface SupervisorOptions {
  /** Where prefixed output goes. @default process.stdout */
  readonly output?: (line: string) => void;
  /** Time from SIGTERM to SIGKILL. @default 5000 */
  readonly graceMs?: number;
}

const TAIL = 40;

export class Supervisor extends EventEmitter {
  private readonly units = new Map<string, Unit & { proc: ChildProcess }>();
  private reaper: ChildProcess | undefined;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions = {}) {
    super();
  }

  /** Starts the reaper; call once before `start`. */
  startReaper(): void {
    const reaper = spawn(process.execPath, [join(__dirname, 'reaper.js')], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      detached: true,
    });
    reaper.unref();
    // The IPC channel must not keep `trellis up` alive by itself.
    (reaper.channel as unknown as { unref?: () => void } | undefined)?.unref?.();
    this.reaper = reaper;
  }

  list(): Unit[] {
    return [...this.units.values()];
  }

  get(name: string): Unit | undefined {
    return this.units.get(name);
  }

  /** Process group ids of everything started (equal to each leader's pid). */
  groups(): number[] {
    return [...this.units.values()].map((u) => u.pid);
  }

  start(spec: UnitSpec): Unit {
    if (this.stopping) throw new Error(`cannot start ${spec.name}: shutting down`);
    const proc = spawn(spec.command, [...(spec.args ?? [])], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      shell: spec.shell ? '/bin/sh' : false,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const tail: string[] = [];
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      proc.once('error', (e) => {
        tail.push(e.message);
        resolve({ code: 127, signal: null });
      });
    });
    const unit = { spec, proc, pid: proc.pid ?? -1, exited, running: proc.pid !== undefined, tail };
    this.units.set(spec.name, unit);
    if (unit.pid > 0) this.reaper?.send?.({ add: unit.pid });
    const show = spec.show ?? 'all';
    const pipe = (stream: NodeJS.ReadableStream | null, visible: boolean) => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
        if (visible) (this.options.output ?? ((l) => process.stdout.write(`${l}\n`)))(`${spec.name} | ${line}`);
      });
    };
    pipe(proc.stdout, show === 'all');
    pipe(proc.stderr, show !== 'none');
    void exited.then((result) => {
      unit.running = false;
      if (!this.stopping) this.emit('exit', unit, result);
    });
    return unit;
  }

  /** Stops one unit (its whole group). */
  async stopUnit(name: string): Promise<void> {
    const unit = this.units.get(name);
    if (!unit) return;
    await this.terminate(unit);
    this.units.delete(name);
    if (unit.pid > 0) this.reaper?.send?.({ remove: unit.pid });
  }

  /** Stops everything; resolves when every group is gone. Idempotent. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.units.values()].map((u) => this.terminate(u)));
    const reaper = this.reaper;
    this.reaper = undefined;
    if (reaper?.connected) {
      reaper.send({ done: true });
      reaper.disconnect();
    }
  }

  private async terminate(unit: Unit & { proc: ChildProcess }): Promise<void> {
    if (unit.pid <= 0) return;
    signalGroup(unit.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(unit.pid, 'SIGKILL'), this.options.graceMs ?? 5000);
    await unit.exited;
    clearTimeout(timer);
    // The leader is gone; anything it left in its group goes too.
    signalGroup(unit.pid, 'SIGKILL');
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}
