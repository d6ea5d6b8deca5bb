/**
 * Envoy's v3 API as protobufjs reflection, loaded from the .proto files shipped in
 * @grpc/grpc-js-xds (envoy-api, xds, googleapis, protoc-gen-validate). Files load lazily, the
 * first time a type they declare is asked for, because parsing everything takes about 500 ms and
 * a Listener with its route and cluster types needs a fraction of that. Field names keep the
 * .proto spelling (snake_case), which is what Envoy's JSON and YAML configs use.
 */
import { Enum, Namespace, ReflectionObject, Root, Service, Type } from 'protobufjs';
import { detachStrings } from './detached-string';
import { BUNDLED_PROTO_FILES, envoyIncludeDirs, envoyIndexFile, ProtoFileIndex, SCANNED_ROOTS } from './proto-files';

export interface EnvoySchema {
  /** The shared protobufjs root; it grows as files load. */
  readonly root: Root;
  /** A message type by full name (`envoy.config.cluster.v3.Cluster`) or type URL; undefined when unknown. */
  lookupType(nameOrUrl: string): Type | undefined;
  lookupEnum(fullName: string): Enum | undefined;
  lookupService(fullName: string): Service | undefined;
  /** Like lookupType, but throws an error that says why the type is not available. */
  requireType(nameOrUrl: string): Type;
  /** Why a type cannot be resolved: unknown name, or its file needs a proto that is not shipped. */
  whyUnavailable(nameOrUrl: string): string;
  /** Loads every loadable file (for tools that list or walk the whole API). */
  loadAll(): void;
  /** Milliseconds spent scanning and parsing .proto files so far. */
  readonly loadMillis: number;
}

/** `type.googleapis.com/envoy.config.listener.v3.Listener` → `envoy.config.listener.v3.Listener`. */
export function typeNameOf(nameOrUrl: string): string {
  const slash = nameOrUrl.lastIndexOf('/');
  const name = slash >= 0 ? nameOrUrl.slice(slash + 1) : nameOrUrl;
  return name.startsWith('.') ? name.slice(1) : name;
}

class LazyEnvoySchema implements EnvoySchema {
  readonly root = new Root();
  loadMillis = 0;
  private readonly index: ProtoFileIndex;
  private readonly found = new Map<string, ReflectionObject | null>();
  /** Reflection objects whose strings are already copied out of their .proto text. */
  private readonly detached = new WeakSet<ReflectionObject>();

  constructor() {
    const t0 = performance.now();
    const includeDirs = envoyIncludeDirs();
    this.index = ProtoFileIndex.open(includeDirs, SCANNED_ROOTS, envoyIndexFile());
    // Imports are resolved through the index so every file has one absolute name and loads once.
    this.root.resolvePath = (_origin: string, target: string) => {
      if (target.startsWith('/')) return target;
      return this.index.resolve(target) ?? target;
    };
    this.root.loadSync(BUNDLED_PROTO_FILES as string[], { keepCase: true });
    this.detachNew(this.root);
    this.loadMillis += performance.now() - t0;
  }

  lookupType(nameOrUrl: string): Type | undefined {
    const obj = this.lookup(typeNameOf(nameOrUrl));
    return obj instanceof Type ? obj : undefined;
  }

  lookupEnum(fullName: string): Enum | undefined {
    const obj = this.lookup(typeNameOf(fullName));
    return obj instanceof Enum ? obj : undefined;
  }

  lookupService(fullName: string): Service | undefined {
    const obj = this.lookup(typeNameOf(fullName));
    return obj instanceof Service ? obj : undefined;
  }

  requireType(nameOrUrl: string): Type {
    const t = this.lookupType(nameOrUrl);
    if (!t) throw new Error(this.whyUnavailable(nameOrUrl));
    return t;
  }

  whyUnavailable(nameOrUrl: string): string {
    const name = typeNameOf(nameOrUrl);
    const file = this.index.fileOf(name);
    if (!file) return `unknown type ${name}: not in Envoy's API`;
    const missing = this.index.missingDependency(file);
    if (missing) return `type ${name} is not available: ${missing}`;
    const obj = this.lookup(name);
    if (obj && !(obj instanceof Type)) return `${name} is not a message type`;
    return `unknown type ${name}: not declared in ${file}`;
  }

  loadAll(): void {
    this.load(this.index.loadableFiles());
  }

  private lookup(name: string): ReflectionObject | undefined {
    const cached = this.found.get(name);
    if (cached !== undefined) return cached ?? undefined;
    let obj = this.root.lookup(`.${name}`);
    if (!obj) {
      const file = this.index.fileOf(name);
      if (file && !this.index.missingDependency(file)) {
        this.load([file]);
        obj = this.root.lookup(`.${name}`);
      }
    }
    this.found.set(name, obj ?? null);
    return obj ?? undefined;
  }

  private load(files: string[]): void {
    const t0 = performance.now();
    const absolute = files.filter((f) => !this.index.isBundled(f)).map((f) => this.index.resolve(f) ?? f);
    this.root.loadSync(absolute, { keepCase: true });
    this.detachNew(this.root);
    this.loadMillis += performance.now() - t0;
  }

  /**
   * protobufjs's names, type references and options are slices of each file's text, which would
   * keep every loaded .proto in memory (detached-string.ts): copy them out, once per object.
   * Namespaces are always descended, as a later file can add to a package seen before.
   */
  private detachNew(ns: Namespace): void {
    const isReflection = (o: object) => o instanceof ReflectionObject;
    for (const child of ns.nestedArray) {
      if (!this.detached.has(child)) {
        this.detached.add(child);
        detachStrings(child, isReflection);
        const members =
          child instanceof Type
            ? [...child.fieldsArray, ...child.oneofsArray]
            : child instanceof Service
              ? child.methodsArray
              : [];
        for (const m of members) detachStrings(m, isReflection);
      }
      if (child instanceof Namespace) this.detachNew(child);
    }
  }
}

let schema: LazyEnvoySchema | undefined;
/** Whether the schema was asked for since the idle timer last looked. */
let usedSinceTick = false;
let idleTimer: NodeJS.Timeout | undefined;

/** The process-wide schema; created on first use (again after an idle release). */
export function loadEnvoySchema(): EnvoySchema {
  usedSinceTick = true;
  schema ??= new LazyEnvoySchema();
  return schema;
}

/** Lets the process-wide schema go now; the next use loads what it needs again. False when none was loaded. */
export function releaseEnvoySchema(): boolean {
  const had = schema !== undefined;
  schema = undefined;
  return had;
}

/**
 * Lets the process-wide schema go once nothing has asked for it for `idleMs` (between one and
 * two `idleMs` after its last use), then calls `onRelease`, as often as it is loaded again and
 * left. For a process that checks Envoy config only now and then: a sidecar between updates.
 * `0` stops it.
 */
export function releaseEnvoySchemaWhenIdle(idleMs: number, onRelease?: () => void): void {
  if (idleTimer) clearInterval(idleTimer);
  idleTimer = undefined;
  if (idleMs <= 0) return;
  usedSinceTick = false;
  idleTimer = setInterval(() => {
    if (!usedSinceTick && releaseEnvoySchema()) onRelease?.();
    usedSinceTick = false;
  }, idleMs);
  idleTimer.unref();
}
