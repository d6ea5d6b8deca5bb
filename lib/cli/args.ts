/** Argument parsing shared by the commands: Node's parseArgs, with errors users can read. */
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export function parseArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  usage: string,
) {
  try {
    return nodeParseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}\n${usage}`);
  }
}

/** Runs a command body, turning usage errors into exit code 2 and a message (no stack trace). */
export async function runCommand(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`trellis: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
