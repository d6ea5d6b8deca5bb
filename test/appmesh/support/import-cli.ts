/** Runs `trellis import appmesh` as users do: a real process on files in a temp dir. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { MeshSpec } from '../../../lib/model/mesh';

const ROOT = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

export interface ImportRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stderr split into lines. */
  readonly lines: string[];
  /** The mesh on stdout, parsed (undefined when stdout is empty). */
  readonly mesh?: MeshSpec;
}

export async function trellisImport(...args: string[]): Promise<ImportRun> {
  let code = 0;
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', 'trellis.js'), 'import', ...args], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    code = err.code;
    stdout = err.stdout;
    stderr = err.stderr;
  }
  return {
    code,
    stdout,
    stderr,
    lines: stderr.split('\n').filter((l) => l !== ''),
    mesh: code === 0 && !stdout.startsWith('usage:') && stdout.trim() ? (parse(stdout) as MeshSpec) : undefined,
  };
}
