/**
 * Reading mesh files (YAML or JSON; JSON is YAML 1.2) with positions, so every problem
 * points at `<file>:<line>:<col>`.
 */
import { readFile } from 'node:fs/promises';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { PathSegment, Problem } from './problem';
import { type ValidationResult, validateMesh } from './validate';

export interface LoadedMesh extends ValidationResult {
  readonly file: string;
  /** The raw document, for tools that rewrite it. */
  readonly data?: unknown;
  /** Adds the file and, where the document has it, the line and column of a problem's path. */
  readonly locate: (p: Problem) => Problem;
}

export async function loadMeshFile(file: string): Promise<LoadedMesh> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    return { file, problems: [{ file, path: [], reason }], locate: (p) => ({ ...p, file }) };
  }
  return parseMeshText(text, file);
}

export function parseMeshText(text: string, file: string): LoadedMesh {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locate = (p: Problem): Problem => {
    const offset = locateOffset(doc, p.path);
    if (offset === undefined) return { ...p, file };
    const pos = lineCounter.linePos(offset);
    return { ...p, file, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      file,
      locate,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: [], reason: e.message.split('\n')[0] };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Aliases are resolved only here: an unknown anchor or an alias bomb surfaces as a throw.
    return { file, locate, problems: [{ file, line: 1, column: 1, path: [], reason: (e as Error).message }] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      file,
      locate,
      problems: [{ file, line: 1, column: 1, path: [], reason: 'a mesh file must be a mapping (name, services, ...)' }],
    };
  }
  const result = validateMesh(data);
  const problems = result.problems.map(locate);
  // Reading order: a user fixes a file top to bottom.
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ...result, problems, file, data, locate };
}

/** Offset of the node a path names, or of the deepest node on the way there. */
export function locateOffset(doc: Document, path: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      // Point at the key: for an unknown or misspelt field that is what needs fixing.
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}
