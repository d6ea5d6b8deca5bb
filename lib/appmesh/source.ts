/**
 * Where an App Mesh field came from: the file, and the field's path as that file spells it
 * (`virtualNode.spec.listeners[0].tls` in a describe-* output,
 * `Resources.CatalogV1.Properties.Spec.Listeners[0].TLS` in a CloudFormation template).
 * Every line of the import report is `<file>: <path>: ...`.
 */
import { formatPath, type PathSegment } from '../model/problem';

export interface Source {
  readonly file: string;
  /** The path of a field, given as a path into the document in the API's spelling (`['spec', 'listeners', 0]`). */
  at(path: readonly PathSegment[]): string;
  /** The same path as segments into the file, to find its line and column. */
  raw(path: readonly PathSegment[]): PathSegment[];
  /** A field name as the file spells it (`awsCloudMap` is `AWSCloudMap` in CloudFormation). */
  spell(key: string): string;
}

/** A source whose fields are spelt as the App Mesh API spells them, under `prefix`. */
export function apiSource(file: string, prefix: readonly PathSegment[]): Source {
  return {
    file,
    at: (path) => formatPath([...prefix, ...path]),
    raw: (path) => [...prefix, ...path],
    spell: (key) => key,
  };
}

/** A source for a spec-only file: the document's `spec` is the file's root. */
export function specFileSource(file: string, prefix: readonly PathSegment[]): Source {
  return {
    file,
    at: (path) => formatPath(specPath(prefix, path)),
    raw: (path) => specPath(prefix, path),
    spell: (key) => key,
  };
}

function specPath(prefix: readonly PathSegment[], path: readonly PathSegment[]): PathSegment[] {
  return [...prefix, ...(path[0] === 'spec' ? path.slice(1) : path)];
}
