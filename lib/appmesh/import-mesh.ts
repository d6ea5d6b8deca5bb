/**
 * `trellis import appmesh`, as a function: read every file (API JSON or CloudFormation),
 * settle the App Mesh resources, map them to a Trellis mesh, and check that mesh the way
 * `trellis validate` does. A problem the Trellis model finds is reported at the App Mesh
 * field it came from.
 */
import { compile } from '../compiler/compile';
import { validateSnapshot } from '../compiler/validate-snapshot';
import type { MeshSpec } from '../model/mesh';
import { formatPath } from '../model/problem';
import { validateMesh } from '../model/validate';
import { readApiJson } from './api-json';
import { isTemplate, readTemplate } from './cloudformation/template';
import type { Document } from './document';
import { buildInventory } from './inventory';
import type { MapContext } from './mapper/context';
import { meshSpecOut } from './mapper/mesh';
import { placeVersions } from './mapper/version-placement';
import { ImportReport } from './report';
import { readSourceFile } from './source-file';
import { Trace } from './trace';

export interface ImportOptions {
  /** The mesh to import when the input holds several. */
  readonly mesh?: string;
  /** CloudFormation parameter values (`--parameter Name=Value`). */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface ImportResult {
  /** Absent when the input has errors. */
  readonly mesh?: MeshSpec;
  readonly report: ImportReport;
}

export async function importAppMesh(files: readonly string[], opts: ImportOptions = {}): Promise<ImportResult> {
  const report = new ImportReport();
  const docs: Document[] = [];
  const declared = new Set<string>();
  for (const file of files) {
    const parsed = await readSourceFile(file);
    if ('error' in parsed) {
      report.add('error', parsed.line ? `${file}:${parsed.line}:${parsed.column}` : file, '', parsed.error);
      continue;
    }
    report.setLocator(file, parsed.locate);
    if (isTemplate(parsed.value) && parsed.value.Parameters && typeof parsed.value.Parameters === 'object') {
      for (const name of Object.keys(parsed.value.Parameters)) declared.add(name);
    }
    docs.push(
      ...(isTemplate(parsed.value)
        ? readTemplate(parsed.value, file, opts.parameters ?? {}, report)
        : readApiJson(parsed.value, file, report)),
    );
  }
  // A misspelt --parameter would otherwise do nothing, silently.
  for (const name of Object.keys(opts.parameters ?? {})) {
    if (!declared.has(name))
      report.add('ignored', '--parameter', name, 'no template in the input declares this parameter');
  }
  if (report.hasErrors) return { report };
  const inventory = buildInventory(docs, { mesh: opts.mesh }, report);
  if (!inventory) return { report };
  const ctx: MapContext = { inventory, placement: placeVersions(inventory, report), report, trace: new Trace() };
  const mesh = meshSpecOut(ctx);
  if (report.hasErrors) return { report };

  const { model, problems } = validateMesh(mesh);
  const located = [...problems];
  if (model) {
    const compiled = compile(model);
    located.push(...compiled.problems);
    if (compiled.problems.length === 0) {
      for (const [proxy, snapshot] of Object.entries(compiled.snapshots)) {
        for (const line of validateSnapshot(snapshot)) {
          located.push({ path: [], reason: `compiled config for ${proxy} would be rejected by Envoy: ${line}` });
        }
      }
    }
  }
  for (const p of located) {
    const origin = ctx.trace.find(p.path);
    const reason = `${p.reason} (in the Trellis mesh at ${formatPath(p.path)})`;
    if (origin) report.error(origin.source, origin.path, reason);
    else report.add('error', files.join(', '), '', reason);
  }
  return report.hasErrors ? { report } : { mesh, report };
}
