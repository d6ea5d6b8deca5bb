/**
 * The import report: every App Mesh field that was not carried over, every placeholder kept
 * for an unresolved CloudFormation value, every inference the importer made, and every
 * error. One line each, `<file>: <App Mesh path>: <kind>: <why>`, so nothing is dropped
 * silently and `--strict` can refuse a lossy import.
 */
import type { PathSegment } from '../model/problem';
import type { Source } from './source';

/**
 * `not carried over` and `placeholder` change what the mesh does, so `--strict` refuses them;
 * `ignored` is AWS bookkeeping with no effect on traffic (tags, owners, describe-* metadata).
 */
/** Line and column of a path in a parsed file, when the file has it. */
export type Locator = (path: readonly PathSegment[]) => { line: number; column: number } | undefined;

export type ReportKind = 'error' | 'not carried over' | 'placeholder' | 'inferred' | 'ignored';

export interface ReportEntry {
  readonly kind: ReportKind;
  readonly file: string;
  /** The App Mesh path as the file spells it; empty for the file as a whole. */
  readonly path: string;
  readonly reason: string;
}

const ORDER: Record<ReportKind, number> = {
  error: 0,
  'not carried over': 1,
  placeholder: 2,
  inferred: 3,
  ignored: 4,
};

export class ImportReport {
  private readonly items: ReportEntry[] = [];
  private readonly seen = new Set<string>();

  private readonly locators = new Map<string, Locator>();

  /** How to find a path's line and column in `file`, once it is parsed. */
  setLocator(file: string, locator: Locator): void {
    this.locators.set(file, locator);
  }

  /** `raw`: the path as segments into the file; when given, the line is `<file>:<line>:<col>: ...`. */
  add(kind: ReportKind, file: string, path: string, reason: string, raw?: readonly PathSegment[]): void {
    const pos = raw && this.locators.get(file)?.(raw);
    if (pos) file = `${file}:${pos.line}:${pos.column}`;
    const key = `${kind}\u0000${file}\u0000${path}\u0000${reason}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({ kind, file, path, reason });
  }

  /** A field of a resource that has no Trellis counterpart. */
  dropped(source: Source, path: readonly PathSegment[], why: string): void {
    this.add('not carried over', source.file, source.at(path), why, source.raw(path));
  }

  ignored(source: Source, path: readonly PathSegment[], why: string): void {
    this.add('ignored', source.file, source.at(path), why, source.raw(path));
  }

  inferred(source: Source, path: readonly PathSegment[], what: string): void {
    this.add('inferred', source.file, source.at(path), what, source.raw(path));
  }

  error(source: Source, path: readonly PathSegment[], reason: string): void {
    this.add('error', source.file, source.at(path), reason, source.raw(path));
  }

  get entries(): readonly ReportEntry[] {
    return this.items;
  }

  count(kind: ReportKind): number {
    return this.items.filter((e) => e.kind === kind).length;
  }

  get hasErrors(): boolean {
    return this.items.some((e) => e.kind === 'error');
  }

  /** Whether `--strict` refuses the import: something that changes behaviour was not carried over. */
  get lossy(): boolean {
    return this.items.some((e) => e.kind === 'not carried over' || e.kind === 'placeholder');
  }

  /** Errors first, then what was lost, then placeholders, inferences and ignored fields; each group in the order found. */
  lines(): string[] {
    return [...this.items]
      .map((e, i) => ({ e, i }))
      .sort((a, b) => ORDER[a.e.kind] - ORDER[b.e.kind] || a.i - b.i)
      .map(({ e }) => formatEntry(e));
  }
}

export function formatEntry(e: ReportEntry): string {
  return `${e.file}: ${e.path ? `${e.path}: ` : ''}${e.kind}: ${e.reason}`;
}
