/**
 * `trellis import appmesh [--strict] [--mesh <name>] [--parameter Name=Value]... <files...>`:
 * App Mesh API JSON and CloudFormation templates in, one Trellis mesh file on stdout. On
 * stderr, one line per field not carried over, placeholder, inference or error, then a
 * summary. Exit 0 when converted, 1 on input errors (or, with --strict, any loss), 2 on
 * usage errors.
 */
import { stringify } from 'yaml';
import { importAppMesh } from '../appmesh/import-mesh';
import { parseArgs, runCommand, UsageError } from './args';

const USAGE =
  'usage: trellis import appmesh [--strict] [--mesh <name>] [--parameter Name=Value]... <files...>\n' +
  '  files: describe-* output, create-*/update-* --cli-input-json input, bare specs, or CloudFormation templates (JSON or YAML)';

function parameters(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--parameter expects Name=Value, got '${v}'\n${USAGE}`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function importMesh(argv: string[]): Promise<number> {
  return runCommand(async () => {
    const { values, positionals } = parseArgs(
      argv,
      {
        strict: { type: 'boolean' },
        mesh: { type: 'string' },
        parameter: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    );
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const [source, ...files] = positionals;
    if (source !== 'appmesh' || files.length === 0) {
      process.stderr.write(
        `trellis: ${source && source !== 'appmesh' ? `cannot import from '${source}' (only appmesh)\n` : ''}${USAGE}\n`,
      );
      return 2;
    }
    const { mesh, report } = await importAppMesh(files, {
      mesh: values.mesh,
      parameters: parameters(values.parameter ?? []),
    });
    for (const line of report.lines()) process.stderr.write(`${line}\n`);
    const counts = [
      plural(report.count('error'), 'error'),
      `${report.count('not carried over')} not carried over`,
      plural(report.count('placeholder'), 'placeholder'),
      `${report.count('inferred')} inferred`,
      `${report.count('ignored')} ignored`,
    ].join(', ');
    if (!mesh) {
      process.stderr.write(`trellis import: not converted (${counts})\n`);
      return 1;
    }
    if (values.strict && report.lossy) {
      process.stderr.write(`trellis import: --strict: not everything carried over (${counts})\n`);
      return 1;
    }
    const services = Object.values(mesh.services);
    const versions = services.reduce((n, s) => n + Object.keys(s.versions).length, 0);
    const gateways = Object.keys(mesh.gateways ?? {}).length;
    const from = files.length <= 3 ? files.join(', ') : `${files.length} files`;
    const header = `# Imported from AWS App Mesh by \`trellis import appmesh\` (${from}).\n`;
    process.stdout.write(header + stringify(mesh, { lineWidth: 0 }));
    process.stderr.write(
      `trellis import: mesh '${mesh.name}': ${plural(services.length, 'service')}, ${plural(versions, 'version')}, ${plural(gateways, 'gateway')} (${counts})\n`,
    );
    return 0;
  });
}
