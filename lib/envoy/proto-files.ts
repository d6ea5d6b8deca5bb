/**
 * Where Envoy's .proto files live and which file declares which type. Parsing all ~450 loadable
 * files with protobufjs takes about half a second, so the schema loads files on demand; this
 * index (a regex scan of `package`, top-level declarations and imports, ~20 ms) tells it which
 * file to load for a type name, and which files cannot load because @grpc/grpc-js-xds does not
 * ship one of their imports (opencensus, opentelemetry, prometheus and the v2 API).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { detach } from './detached-string';

/** The well-known types protobufjs bundles in memory; their .proto files are not on disk. */
const BUNDLED_FILES: Record<string, readonly string[]> = {
  'google/protobuf/any.proto': ['Any'],
  'google/protobuf/duration.proto': ['Duration'],
  'google/protobuf/timestamp.proto': ['Timestamp'],
  'google/protobuf/empty.proto': ['Empty'],
  'google/protobuf/struct.proto': ['Struct', 'Value', 'ListValue', 'NullValue'],
  'google/protobuf/wrappers.proto': [
    'DoubleValue',
    'FloatValue',
    'Int64Value',
    'UInt64Value',
    'Int32Value',
    'UInt32Value',
    'BoolValue',
    'StringValue',
    'BytesValue',
  ],
  'google/protobuf/field_mask.proto': ['FieldMask'],
};

export const BUNDLED_PROTO_FILES: readonly string[] = Object.keys(BUNDLED_FILES);

interface FileEntry {
  /** Import path relative to an include dir, e.g. `envoy/config/cluster/v3/cluster.proto`. */
  readonly relative: string;
  readonly absolute: string;
  readonly imports: readonly string[];
}

/**
 * The index as the image build writes it beside the .proto files (`index.json`), so a proxy
 * starts without reading and scanning ~600 files (66–101 ms → 21 ms to build the index here).
 * Files are named by the position of their include dir in `includeDirs`.
 */
export interface ProtoIndexJson {
  readonly format: 'trellis-proto-index/1';
  readonly declaredIn: Record<string, string>;
  readonly files: Record<string, { readonly dir: number; readonly imports: readonly string[] }>;
}

export const PROTO_INDEX_FILE = 'index.json';

const PACKAGE = /^package\s+([\w.]+)\s*;/m;
const TOP_LEVEL = /^(?:message|enum|service)\s+(\w+)/gm;
const IMPORT = /^import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm;

export class ProtoFileIndex {
  /** Fully-qualified top-level name (no leading dot) → import path of its file. */
  private readonly declaredIn = new Map<string, string>();
  private readonly files = new Map<string, FileEntry>();
  private readonly missingMemo = new Map<string, string | null>();

  constructor(readonly includeDirs: readonly string[]) {
    for (const [file, names] of Object.entries(BUNDLED_FILES)) {
      for (const n of names) this.declaredIn.set(`google.protobuf.${n}`, file);
    }
  }

  /** Scans `roots` (import-path prefixes such as `envoy`) under every include dir. */
  static scan(includeDirs: readonly string[], roots: readonly string[]): ProtoFileIndex {
    const index = new ProtoFileIndex(includeDirs);
    for (const dir of includeDirs) {
      for (const root of roots) {
        const start = join(dir, root);
        if (existsSync(start)) index.walk(dir, root);
      }
    }
    return index;
  }

  /** The index written by `toJSON`, or a scan when `file` is absent or not an index. */
  static open(includeDirs: readonly string[], roots: readonly string[], file: string | undefined): ProtoFileIndex {
    if (!file || !existsSync(file)) return ProtoFileIndex.scan(includeDirs, roots);
    const json = JSON.parse(readFileSync(file, 'utf8')) as ProtoIndexJson;
    if (json.format !== 'trellis-proto-index/1') throw new Error(`${file}: format: not a trellis-proto-index/1`);
    const index = new ProtoFileIndex(includeDirs);
    for (const [name, f] of Object.entries(json.declaredIn)) index.declaredIn.set(name, f);
    for (const [relative, e] of Object.entries(json.files)) {
      const dir = includeDirs[e.dir];
      if (dir === undefined) throw new Error(`${file}: files.${relative}.dir: no include dir ${e.dir}`);
      index.files.set(relative, { relative, absolute: join(dir, relative), imports: e.imports });
    }
    return index;
  }

  toJSON(): ProtoIndexJson {
    const declaredIn: Record<string, string> = {};
    for (const [name, f] of this.declaredIn) if (!this.isBundled(f)) declaredIn[name] = f;
    const files: Record<string, { dir: number; imports: readonly string[] }> = {};
    for (const [relative, e] of this.files) {
      const dir = this.includeDirs.findIndex((d) => e.absolute === join(d, relative));
      files[relative] = { dir, imports: e.imports };
    }
    return { format: 'trellis-proto-index/1', declaredIn, files };
  }

  private walk(includeDir: string, relDir: string): void {
    for (const entry of readdirSync(join(includeDir, relDir), { withFileTypes: true })) {
      const rel = `${relDir}/${entry.name}`;
      if (entry.isDirectory()) this.walk(includeDir, rel);
      else if (entry.name.endsWith('.proto') && !this.files.has(rel)) this.add(includeDir, rel);
    }
  }

  private add(includeDir: string, relative: string): void {
    const absolute = join(includeDir, relative);
    const src = readFileSync(absolute, 'utf8');
    const pkg = PACKAGE.exec(src)?.[1];
    const prefix = pkg ? `${pkg}.` : '';
    for (const m of src.matchAll(TOP_LEVEL)) {
      // First declaration wins, as protoc would refuse a duplicate anyway.
      if (!this.declaredIn.has(prefix + m[1])) this.declaredIn.set(detach(prefix + m[1]), relative);
    }
    // Detached: a regex match is a view of the whole file's text (see detached-string.ts).
    const imports = [...src.matchAll(IMPORT)].map((m) => detach(m[1]));
    this.files.set(relative, { relative, absolute, imports });
  }

  /** The import path of the file declaring `fullName` (a top-level or nested type), if indexed. */
  fileOf(fullName: string): string | undefined {
    let name = fullName;
    for (;;) {
      const file = this.declaredIn.get(name);
      if (file) return file;
      const dot = name.lastIndexOf('.');
      if (dot < 0) return undefined;
      name = name.slice(0, dot);
    }
  }

  /** Absolute path for an import path, or undefined when no include dir has it. */
  resolve(relative: string): string | undefined {
    const known = this.files.get(relative);
    if (known) return known.absolute;
    for (const dir of this.includeDirs) {
      const p = join(dir, relative);
      if (existsSync(p)) return p;
    }
    return undefined;
  }

  isBundled(relative: string): boolean {
    return relative in BUNDLED_FILES;
  }

  /**
   * Why `relative` cannot be loaded (an import, direct or transitive, that is not shipped), or
   * undefined when it can be.
   */
  missingDependency(relative: string): string | undefined {
    return this.missing(relative, new Set()) ?? undefined;
  }

  private missing(relative: string, visiting: Set<string>): string | null {
    const memo = this.missingMemo.get(relative);
    if (memo !== undefined) return memo;
    if (this.isBundled(relative) || visiting.has(relative)) return null;
    let entry = this.files.get(relative);
    if (!entry) {
      const absolute = this.resolve(relative);
      if (!absolute) {
        this.missingMemo.set(relative, relative);
        return relative;
      }
      const src = readFileSync(absolute, 'utf8');
      entry = { relative, absolute, imports: [...src.matchAll(IMPORT)].map((m) => detach(m[1])) };
      this.files.set(relative, entry);
    }
    visiting.add(relative);
    let result: string | null = null;
    for (const imp of entry.imports) {
      const m = this.missing(imp, visiting);
      if (m) {
        result = m === imp ? `${relative} imports ${imp}, which is not shipped` : m;
        break;
      }
    }
    visiting.delete(relative);
    this.missingMemo.set(relative, result);
    return result;
  }

  /** Every indexed file that can be loaded (used to preload the whole schema). */
  loadableFiles(): string[] {
    return [...this.files.keys()].filter((f) => !this.missingDependency(f));
  }
}

/**
 * Include dirs in the order protoc would be given them: the deps of @grpc/grpc-js-xds, then
 * protobufjs (for descriptor.proto). `TRELLIS_ENVOY_PROTO_DIR` names another copy of that `deps`
 * folder, for bundles (a Lambda built with esbuild) that ship the .proto files beside the code.
 */
export function envoyIncludeDirs(override = process.env.TRELLIS_ENVOY_PROTO_DIR): string[] {
  const deps = override || join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const protobufjs = override || dirname(require.resolve('protobufjs/package.json'));
  return [
    join(deps, 'envoy-api'),
    join(deps, 'xds'),
    join(deps, 'googleapis'),
    join(deps, 'protoc-gen-validate'),
    protobufjs,
  ];
}

/** The import-path prefixes holding types a configuration may name. */
export const SCANNED_ROOTS = ['envoy', 'xds', 'udpa', 'google/api', 'google/rpc', 'validate', 'google/protobuf'];

/** The prebuilt index beside a shipped copy of the .proto files (TRELLIS_ENVOY_PROTO_DIR), if any. */
export function envoyIndexFile(override = process.env.TRELLIS_ENVOY_PROTO_DIR): string | undefined {
  return override ? join(override, PROTO_INDEX_FILE) : undefined;
}
