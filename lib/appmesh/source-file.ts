/**
 * Reading an input file: JSON or YAML (JSON is YAML 1.2), CloudFormation's short intrinsic
 * tags understood. A file that does not parse (truncated JSON, a bad indent, an unknown
 * `!Tag`) is an error at `<file>:<line>:<col>`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { locateOffset } from '../model/load';
import type { PathSegment } from '../model/problem';
import { CLOUDFORMATION_TAGS } from './cloudformation/short-tags';

/** Line and column of a path into the file (of the deepest node on the way when it is not there). */
export type FileLocator = (path: readonly PathSegment[]) => { line: number; column: number } | undefined;

export type ParsedFile =
  | { readonly value: unknown; readonly locate: FileLocator }
  | { readonly error: string; readonly line?: number; readonly column?: number };

export async function readSourceFile(file: string): Promise<ParsedFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message };
  }
  return parseSourceText(text);
}

export function parseSourceText(text: string): ParsedFile {
  if (text.trim() === '') return { error: 'the file is empty' };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    customTags: CLOUDFORMATION_TAGS,
    prettyErrors: false,
    uniqueKeys: true,
  });
  // An unknown tag is only a warning to the yaml package; here it would lose a value.
  const trouble = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  if (trouble.length > 0) {
    const first = trouble[0];
    const pos = lineCounter.linePos(first.pos[0]);
    const what = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const truncated = first.pos[0] >= text.trimEnd().length - 1 ? ' (is the file truncated?)' : '';
    return { error: `${what}${truncated}`, line: pos.line, column: pos.col };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Aliases resolve only here: an unknown anchor or an alias bomb surfaces as a throw.
    return { error: (e as Error).message, line: 1, column: 1 };
  }
  const locate: FileLocator = (path) => {
    const offset = locateOffset(doc, path);
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  return { value, locate };
}
