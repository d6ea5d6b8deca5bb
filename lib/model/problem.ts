/**
 * A problem found in a mesh: where (a path into the document) and why. Every check in
 * Trellis reports these, so a user sees every problem at once, one line each.
 */

export type PathSegment = string | number;

export interface Problem {
  readonly path: readonly PathSegment[];
  readonly reason: string;
  /** Set when the mesh came from a file whose parser knows positions. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `services.catalog.routes[2].match.headers[0].regex`; odd keys are quoted: `services["a.b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(root)';
}

/** One line: `<file>:<line>:<col>: <path>: <reason>`, the location only when known. */
export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}: ` : '';
  return `${where}${formatPath(p.path)}: ${p.reason}`;
}

/** Thrown by APIs that cannot return problems (the TypeScript API, CDK constructs). */
export class MeshValidationError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(`invalid mesh:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'MeshValidationError';
  }
}

export function problem(path: readonly PathSegment[], reason: string): Problem {
  return { path, reason };
}
