/**
 * Where a mesh's declarations come from when they are not (only) made with `addService`: a mesh
 * file (YAML or JSON, the same files `trellis validate` and `trellis up` read) or a `MeshSpec`
 * object. Services and gateways added with the construct's methods are merged on top.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMeshText } from '../model/load';
import { formatProblem } from '../model/problem';
import type { MeshSpec } from './shared-interfaces';

export interface MeshDefinitionConfig {
  readonly spec: MeshSpec;
  /** For messages: the file, or `spec`. */
  readonly source: string;
}

export abstract class MeshDefinition {
  /**
   * A mesh file, read and checked now: a problem throws with its file, line and path
   * (`mesh.yaml:12:9: services.catalog.routes[0].targets: …`).
   */
  public static fromFile(path: string): MeshDefinition {
    const file = resolve(path);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(
        `mesh definition ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
    const loaded = parseMeshText(text, path);
    if (loaded.problems.length > 0) {
      throw new Error(
        `invalid mesh file:\n${loaded.problems.map((p) => `  ${formatProblem(loaded.locate(p))}`).join('\n')}`,
      );
    }
    return new SpecDefinition(loaded.data as MeshSpec, path);
  }

  /** A mesh declared in TypeScript, as `defineMesh` takes it; checked when the app synthesizes. */
  public static fromSpec(spec: MeshSpec): MeshDefinition {
    return new SpecDefinition(spec, 'spec');
  }

  public abstract bind(): MeshDefinitionConfig;
}

class SpecDefinition extends MeshDefinition {
  constructor(
    private readonly spec: MeshSpec,
    private readonly source: string,
  ) {
    super();
  }

  public bind(): MeshDefinitionConfig {
    // A deep copy: the construct adds defaults and services without touching the caller's object.
    return { spec: structuredClone(this.spec), source: this.source };
  }
}
