/**
 * So that a mesh with schema problems still gets its reference problems reported in the
 * same run: remove what the schema rejected (the bad field, or failing that the whole
 * service, version or gateway entry holding it) until the rest parses, then resolve the
 * rest. Reference problems that could stem from what was removed are dropped.
 */
import { mesh, type ParsedMesh } from './mesh';
import type { PathSegment, Problem } from './problem';
import { resolveMesh } from './resolve';
import { issuesToProblems } from './schema-issues';

/** Record entries the repair may remove whole: their names are what references name. */
function entryAncestor(path: readonly PathSegment[]): PathSegment[] | undefined {
  for (let i = path.length; i >= 2; i--) {
    const parent = path[i - 2];
    if (parent === 'services' || parent === 'gateways' || parent === 'externalServices' || parent === 'versions') {
      return path.slice(0, i);
    }
  }
  return undefined;
}

function remove(doc: unknown, path: readonly PathSegment[]): boolean {
  let node = doc as Record<string, unknown>;
  for (const seg of path.slice(0, -1)) {
    node = node?.[seg as string] as Record<string, unknown>;
    if (!node || typeof node !== 'object') return false;
  }
  const last = path[path.length - 1];
  if (Array.isArray(node) || !Object.hasOwn(node, last)) return false;
  delete node[last as string];
  return true;
}

const key = (p: readonly PathSegment[]) => JSON.stringify(p);

const ROOT_PLACEHOLDERS = new Map<string, unknown>([
  ['name', 'mesh'],
  ['services', {}],
]);

export function referenceProblemsDespiteSchema(input: unknown): Problem[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [];
  const doc = structuredClone(input);
  const removed: PathSegment[][] = [];
  const tried = new Set<string>();
  let parsed: ParsedMesh | undefined;
  for (let round = 0; round < 8 && !parsed; round++) {
    const result = mesh.safeParse(doc);
    if (result.success) {
      parsed = result.data;
      break;
    }
    let progress = false;
    for (const p of issuesToProblems(result.error.issues, mesh)) {
      const entry = entryAncestor(p.path);
      // First the field itself; if that is not enough (a required field), its entry.
      const target = !tried.has(key(p.path)) && p.path.length > 0 && typeof p.path.at(-1) === 'string' ? p.path : entry;
      tried.add(key(p.path));
      const root = p.path.length === 1 ? ROOT_PLACEHOLDERS.get(p.path[0] as string) : undefined;
      if (root && (doc as Record<string, unknown>)[p.path[0] as string] !== root) {
        // Required at the root: stand in a valid value rather than give up.
        (doc as Record<string, unknown>)[p.path[0] as string] = structuredClone(root);
        progress = true;
      } else if (target && remove(doc, target)) {
        removed.push([...target]);
        progress = true;
      }
    }
    if (!progress) return [];
  }
  if (!parsed) return [];
  const names = removed.filter((p) => entryAncestor(p)?.length === p.length).map((p) => String(p.at(-1)));
  return resolveMesh(parsed).problems.filter(
    (p) =>
      !removed.some((r) => r.every((seg, i) => p.path[i] === seg)) && !names.some((n) => p.reason.includes(`'${n}'`)),
  );
}
