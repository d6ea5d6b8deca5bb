/**
 * Turns zod's issues into Trellis problems a person can act on: the exact path, the bad
 * value, and for a misspelt field the field that was probably meant.
 */
import type { z } from 'zod';
import type { PathSegment, Problem } from './problem';

type Issue = z.core.$ZodIssue;

export function issuesToProblems(issues: readonly Issue[], root: z.ZodType): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) collect(issue, [], root, out);
  return out;
}

function collect(issue: Issue, base: readonly PathSegment[], root: z.ZodType, out: Problem[]): void {
  const path = [...base, ...(issue.path as PathSegment[])];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(root, path);
      for (const key of issue.keys) {
        const hint = closest(key, known);
        out.push({ path: [...path, key], reason: `unknown field${hint ? ` (did you mean '${hint}'?)` : ''}` });
      }
      return;
    }
    case 'invalid_union': {
      const best = bestBranch(issue.errors);
      if (best) for (const inner of best) collect(inner, path, root, out);
      else out.push({ path, reason: issue.message });
      return;
    }
    case 'invalid_key': {
      // zod's path may already end with the key; name it once.
      const key = String(issue.input ?? '');
      const at = path[path.length - 1] === key ? path : [...path, key];
      for (const inner of issue.issues) out.push({ path: at, reason: `bad name: ${reasonOf(inner)}` });
      return;
    }
    case 'invalid_element':
      for (const inner of issue.issues) collect(inner, [...path, issue.key as PathSegment], root, out);
      return;
    default:
      out.push({ path, reason: reasonOf(issue) });
  }
}

function reasonOf(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${issue.expected}, got ${describe(issue.input)}`;
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'array') return `needs at least ${n} item${n === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return n === 1 ? 'must not be empty' : `must be at least ${n} characters`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${n}${given(issue.input)}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'array') return `must have at most ${n} item${n === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `must be at most ${n} characters`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${n}${given(issue.input)}`;
    }
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${JSON.stringify(issue.values[0])}${given(issue.input)}`;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${given(issue.input)}`;
    case 'invalid_format':
      // Our regex checks carry their own explanation; zod's fallback names the format.
      return issue.message.startsWith('Invalid')
        ? `must be a valid ${issue.format}${given(issue.input)}`
        : `${issue.message}${given(issue.input)}`;
    default:
      return issue.message;
  }
}

function given(input: unknown): string {
  return input === undefined ? '' : ` (got ${describe(input)})`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** The union branch the input was most probably meant for: the one that got furthest. */
function bestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  let best: readonly Issue[] | undefined;
  let bestScore = -1;
  for (const issues of branches) {
    const rootTypeMismatch = issues.some((i) => i.code === 'invalid_type' && i.path.length === 0);
    const depth = Math.max(0, ...issues.map((i) => i.path.length));
    const score = (rootTypeMismatch ? 0 : 1000) + depth * 10 - issues.length;
    if (score > bestScore) {
      best = issues;
      bestScore = score;
    }
  }
  return best;
}

/** Field names the schema accepts at `path`, for "did you mean". */
function knownKeys(root: z.ZodType, path: readonly PathSegment[]): string[] {
  let schemas: z.core.$ZodType[] = [root as unknown as z.core.$ZodType];
  for (const seg of path) {
    schemas = schemas.flatMap((s) => step(unwrap(s), seg));
  }
  return [
    ...new Set(
      schemas
        .flatMap((s) => unwrap(s))
        .flatMap((s) => (s._zod.def.type === 'object' ? Object.keys((s._zod.def as z.core.$ZodObjectDef).shape) : [])),
    ),
  ];
}

function unwrap(s: z.core.$ZodType): z.core.$ZodType[] {
  const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
    case 'readonly':
      return unwrap(def.innerType as z.core.$ZodType);
    case 'pipe':
      return unwrap(def.in as z.core.$ZodType);
    case 'union':
      return (def.options as z.core.$ZodType[]).flatMap(unwrap);
    default:
      return [s];
  }
}

function step(schemas: z.core.$ZodType[], seg: PathSegment): z.core.$ZodType[] {
  return schemas.flatMap((s) => {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      return Object.hasOwn(shape, String(seg)) ? [shape[String(seg)]] : [];
    }
    if (def.type === 'array') return [def.element as z.core.$ZodType];
    if (def.type === 'record') return [def.valueType as z.core.$ZodType];
    return [];
  });
}

/** The known key nearest to `key` by edit distance, if near enough to be a typo. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one (`prot` → `port`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
