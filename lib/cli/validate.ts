/**
 * `trellis validate <mesh-file>`: exit 0 when valid; otherwise exit 1 and one line per
 * problem on stdout, `<file>:<line>:<col>: <path>: <reason>`. A valid mesh is also
 * compiled and its Envoy resources checked, so "valid" means a proxy would accept it.
 */
import { compile } from '../compiler/compile';
import { validateSnapshot } from '../compiler/validate-snapshot';
import { loadMeshFile } from '../model/load';
import { formatProblem } from '../model/problem';
import { parseArgs, runCommand } from './args';

const USAGE = 'usage: trellis validate <mesh-file>';

export async function validate(argv: string[]): Promise<number> {
  return runCommand(async () => {
    const { positionals } = parseArgs(argv, {}, USAGE);
    if (positionals.length !== 1) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const loaded = await loadMeshFile(positionals[0]);
    let problems = loaded.problems;
    if (loaded.model) {
      const compiled = compile(loaded.model);
      problems = compiled.problems.map(loaded.locate);
      if (problems.length === 0) {
        for (const [proxy, snapshot] of Object.entries(compiled.snapshots)) {
          for (const line of validateSnapshot(snapshot)) {
            problems = [
              ...problems,
              {
                file: loaded.file,
                path: [],
                reason: `compiled config for ${proxy} would be rejected by Envoy: ${line}`,
              },
            ];
          }
        }
      }
    }
    if (problems.length > 0) {
      for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
      process.stderr.write(`${loaded.file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
      return 1;
    }
    const m = loaded.model!;
    const versions = m.services.reduce((n, s) => n + s.versions.length, 0);
    process.stderr.write(
      `${loaded.file}: valid (${m.services.length} services, ${versions} versions, ${m.gateways.length} gateways)\n`,
    );
    return 0;
  });
}
