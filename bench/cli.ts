/** What every bench script shares on the command line: number options, and how it ends. */
import { stopAllProcesses } from '../test/support/child-process';
import { removeTempDirs } from '../test/support/temp-dir';

/** `--name <n>` as a positive number, or `fallback` when absent. */
export function positiveOption(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number, not "${argv[i + 1]}"`);
  return v;
}

/**
 * Runs a bench's `main` with its arguments; an error is printed as `<name>: <message>` with exit
 * code 1, and whatever happens every process it started is stopped and its temp dirs removed.
 */
export function runBench(name: string, main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2))
    .catch((e: unknown) => {
      process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await stopAllProcesses();
      removeTempDirs();
    });
}
