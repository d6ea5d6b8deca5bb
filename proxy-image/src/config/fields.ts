/**
 * Reading Envoy's JSON-mapped config after the schema check (lib/envoy) has passed. Each
 * message is read through `Fields`, which remembers what was read; `done()` then reports the
 * rest: fields this proxy refuses (an error naming the field, because ignoring them would
 * change behaviour in a way users would not expect, e.g. TLS) or fields it ignores (gathered
 * into one warning per config load). Proto names and lowerCamelCase JSON names are both
 * accepted, as Envoy's JSON parser does.
 */

export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = 'ConfigError';
  }
}

export interface ParseContext {
  /** Paths of fields that were present but are not supported and were ignored. */
  readonly ignored: string[];
}

export function newContext(): ParseContext {
  return { ignored: [] };
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Fields {
  private readonly seen = new Set<string>();

  constructor(
    readonly raw: Json,
    readonly path: string,
    readonly ctx: ParseContext,
  ) {}

  static of(value: unknown, path: string, ctx: ParseContext): Fields {
    if (!isObject(value)) throw new ConfigError(path, 'must be an object');
    return new Fields(value, path, ctx);
  }

  at(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  fail(name: string, reason: string): never {
    throw new ConfigError(name ? this.at(name) : this.path, reason);
  }

  /** The raw value, or undefined when absent or null. */
  get(name: string): unknown {
    this.seen.add(name);
    let v = this.raw[name];
    if (v === undefined) {
      const c = camel(name);
      if (c !== name) {
        this.seen.add(c);
        v = this.raw[c];
      }
    }
    return v === null ? undefined : v;
  }

  has(name: string): boolean {
    const v = this.raw[name] ?? this.raw[camel(name)];
    return v !== undefined && v !== null;
  }

  /** Marks a field as read without reading it (validated elsewhere or deliberately inert). */
  accept(...names: string[]): void {
    for (const n of names) {
      this.seen.add(n);
      this.seen.add(camel(n));
    }
  }

  string(name: string): string | undefined;
  string(name: string, def: string): string;
  string(name: string, def?: string): string | undefined {
    const v = this.get(name);
    if (v === undefined) return def;
    if (typeof v !== 'string') this.fail(name, 'must be a string');
    return v;
  }

  requiredString(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') this.fail(name, 'is required');
    return v;
  }

  /** Numbers, including 64-bit integers written as strings and wrapper types as bare values. */
  number(name: string): number | undefined;
  number(name: string, def: number): number;
  number(name: string, def?: number): number | undefined {
    const v = this.get(name);
    if (v === undefined) return def;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(name, 'must be a number');
    return n;
  }

  bool(name: string, def = false): boolean {
    const v = this.get(name);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') this.fail(name, 'must be true or false');
    return v;
  }

  /** A google.protobuf.Duration (`"1.5s"`) in milliseconds. */
  duration(name: string): number | undefined;
  duration(name: string, def: number): number;
  duration(name: string, def?: number): number | undefined {
    const v = this.get(name);
    if (v === undefined) return def;
    const ms = parseDurationMs(v);
    if (ms === undefined) this.fail(name, `must be a duration like "1.5s", not ${JSON.stringify(v)}`);
    return ms;
  }

  /** An enum by name (numbers are mapped through `byNumber` when given). */
  enumOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
    const v = this.get(name);
    if (v === undefined) return def;
    const s = typeof v === 'number' ? allowed[v] : v;
    if (typeof s !== 'string' || !allowed.includes(s as T)) {
      this.fail(name, `${JSON.stringify(v)} is not supported (supported: ${allowed.join(', ')})`);
    }
    return s as T;
  }

  object(name: string): Fields | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    return Fields.of(v, this.at(name), this.ctx);
  }

  array(name: string): Fields[] {
    const v = this.get(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(name, 'must be a list');
    return v.map((item, i) => Fields.of(item, `${this.at(name)}[${i}]`, this.ctx));
  }

  stringArray(name: string): string[] {
    const v = this.get(name);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(name, 'must be a list of strings');
    return v as string[];
  }

  /** Which one of a oneof's fields is set (the schema check already refused two). */
  oneOf<T extends string>(names: readonly T[]): T | undefined {
    for (const n of names) if (this.has(n)) return n;
    return undefined;
  }

  /**
   * Reports what was not read: names in `rejected` are errors, everything else is ignored
   * with a warning. Call once, after reading every supported field.
   */
  done(rejected: readonly string[] = []): void {
    for (const key of Object.keys(this.raw)) {
      if (this.seen.has(key) || key === '@type') continue;
      const v = this.raw[key];
      if (v === null || v === undefined) continue;
      const name = snake(key);
      if (rejected.includes(name)) {
        throw new ConfigError(this.at(name), 'is not supported by the Trellis proxy (see proxy-image/README.md)');
      }
      // Some messages are read more than once while loading; report each field once.
      if (!this.ctx.ignored.includes(this.at(name))) this.ctx.ignored.push(this.at(name));
    }
  }
}

const DURATION = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/;

/** Milliseconds of a proto3 JSON Duration (`"0.250s"`), or undefined when malformed. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = DURATION.exec(v);
  if (!m) return undefined;
  const ms = Number(m[2]) * 1000 + (m[3] ? Number(`0.${m[3]}`) * 1000 : 0);
  return m[1] ? -ms : ms;
}
