/**
 * A document: one App Mesh resource as a file holds it, in the shape of a `create-*` input
 * (`meshName`, `virtualNodeName`, `spec`, …), before it is checked. The readers (API JSON,
 * CloudFormation) produce these; the inventory settles kinds and parents and parses them.
 */
import type { ResourceKind, Specs } from './kinds';
import type { Source } from './source';

export interface Document {
  /** Unset for a spec-only file whose shape fits several kinds (`candidates`). */
  readonly kind?: ResourceKind;
  readonly candidates: readonly ResourceKind[];
  readonly value: Record<string, unknown>;
  readonly source: Source;
  /** The file held only a spec: its name (and maybe its kind or parent) came from the file's path. */
  readonly specOnly?: { readonly hintKind?: ResourceKind; readonly directory: string };
}

/** A checked App Mesh resource. */
export interface Resource<K extends ResourceKind = ResourceKind> {
  readonly kind: K;
  readonly name: string;
  readonly mesh?: string;
  /** Routes: their virtual router; gateway routes: their virtual gateway. */
  readonly parent?: string;
  readonly spec: Specs[K];
  readonly source: Source;
  /** `metadata.version` of a describe-* output, to tell successive versions apart. */
  readonly version?: number;
}
