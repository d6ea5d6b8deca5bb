/**
 * Validation of a mesh from any source: the schema (types, ranges, unknown fields), then
 * every cross-reference. All problems are reported at once.
 */
import { type MeshSpec, mesh, type ParsedMesh } from './mesh';
import type { MeshModel } from './model';
import { MeshValidationError, type Problem } from './problem';
import { referenceProblemsDespiteSchema } from './repair';
import { resolveMesh } from './resolve';
import { issuesToProblems } from './schema-issues';

export interface ValidationResult {
  /** Present when there are no problems. */
  readonly model?: MeshModel;
  readonly parsed?: ParsedMesh;
  readonly problems: readonly Problem[];
}

export function validateMesh(input: unknown): ValidationResult {
  const result = mesh.safeParse(input, { reportInput: true });
  if (!result.success) {
    const schemaProblems = issuesToProblems(result.error.issues, mesh);
    return { problems: [...schemaProblems, ...referenceProblemsDespiteSchema(input)] };
  }
  const { model, problems } = resolveMesh(result.data);
  return { model, parsed: result.data, problems };
}

/** The TypeScript API: a typed mesh, checked now; throws `MeshValidationError` listing every problem. */
export function defineMesh(spec: MeshSpec): MeshModel {
  const { model, problems } = validateMesh(spec);
  if (!model) throw new MeshValidationError(problems);
  return model;
}
