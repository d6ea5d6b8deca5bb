/**
 * What intrinsic functions are evaluated against: the template's parameters (with values
 * given on the command line), resources, mappings and conditions. A value that only exists
 * once deployed (an ARN, another stack's export, a parameter nobody gave) becomes a named
 * placeholder, `${Name}`, and is reported where it is used.
 */
import { formatPath, type PathSegment } from '../../model/problem';
import type { ImportReport } from '../report';

/** A value known only at deploy time; its text (`${Name}`) stands in for it. */
export class Unresolved {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** `AWS::NoValue`: the property is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export interface TemplateResource {
  readonly Type?: unknown;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: unknown;
}

export interface Parameter {
  readonly Type?: unknown;
  readonly Default?: unknown;
}

export class TemplateContext {
  readonly parameters: Record<string, Parameter>;
  readonly resources: Record<string, TemplateResource>;
  readonly mappings: Record<string, unknown>;
  readonly conditions: Record<string, unknown>;
  /** Condition results, evaluated once each (`undefined`: cannot be decided before deploying). */
  readonly decided = new Map<string, boolean | undefined>();

  constructor(
    readonly file: string,
    template: Record<string, unknown>,
    /** `--parameter Name=Value` from the command line. */
    readonly given: Readonly<Record<string, string>>,
    readonly report: ImportReport,
  ) {
    const section = (key: string) => {
      const v = template[key];
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, never>) : {};
    };
    this.parameters = section('Parameters');
    this.resources = section('Resources');
    this.mappings = section('Mappings');
    this.conditions = section('Conditions');
  }

  placeholder(path: readonly PathSegment[], text: string, why: string): Unresolved {
    this.report.add('placeholder', this.file, formatPath(path), `${why}; kept as ${text}`, path);
    return new Unresolved(text);
  }

  note(path: readonly PathSegment[], what: string): void {
    this.report.add('inferred', this.file, formatPath(path), what, path);
  }

  error(path: readonly PathSegment[], reason: string): void {
    this.report.add('error', this.file, formatPath(path), reason, path);
  }
}
