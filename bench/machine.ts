/** The machine a run happened on, for the results header: numbers mean nothing without it. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly nginx: string;
  readonly haproxy: string;
}

/** First line a command prints, on stdout or stderr (`nginx -v` uses stderr). */
function versionLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return ((r.stdout || '') + (r.stderr || '')).split('\n')[0].trim() || 'unknown';
}

export function describeMachine(tools: { nginx: string; haproxy: string }): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    nginx: versionLine(tools.nginx, ['-v']).replace(/^nginx version: /, ''),
    haproxy: versionLine(tools.haproxy, ['-v']).replace(/ - https.*$/, ''),
  };
}
