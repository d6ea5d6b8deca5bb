/**
 * Loading config documents: a bootstrap file (JSON or YAML, as Envoy accepts), xDS resources
 * from files, REST or gRPC. Every document is first checked against Envoy's own schema
 * (lib/envoy: unknown fields, types, PGV rules), then read by the proxy's parsers. Errors name
 * the file and the field path and never carry a stack trace.
 */
import { readFileSync } from 'node:fs';
import { formatProblem, validateJson } from '../../../lib/envoy';
import { type Bootstrap, type NodeOverrides, parseBootstrap } from './bootstrap';
import { ConfigError, Fields, isObject, type Json, newContext, type ParseContext } from './fields';

/** A config that cannot be used: every line is `<where>: <field path>: <reason>`. */
export class ConfigLoadError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigLoadError';
  }
}

/** Parses JSON or YAML text (JSON is YAML, but JSON.parse gives better messages for .json). */
export function parseDocument(text: string, where: string): unknown {
  if (/\.json$/i.test(where)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ConfigLoadError([`${where}: not valid JSON: ${(e as Error).message}`]);
    }
  }
  try {
    // Required here: most proxies read JSON (xDS, S3, the compiler's files) and never need yaml.
    const { parse } = require('yaml') as typeof import('yaml');
    return parse(text, { uniqueKeys: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new ConfigLoadError([`${where}: not valid YAML or JSON: ${msg}`]);
  }
}

export function readDocument(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigLoadError([`${path}: cannot read: ${err.code === 'ENOENT' ? 'no such file' : err.message}`]);
  }
  return parseDocument(text, path);
}

/** Checks a document against Envoy's schema; throws with every problem. */
export function checkSchema(typeName: string, doc: unknown, where: string): void {
  const problems = validateJson(typeName, doc);
  if (problems.length) throw new ConfigLoadError(problems.map((p) => `${where}: ${formatProblem(p)}`));
}

/** Runs a parser over a checked document, turning ConfigErrors into ConfigLoadErrors. */
export function parseWith<T>(
  doc: unknown,
  where: string,
  parse: (f: Fields) => T,
  ctx: ParseContext = newContext(),
): T {
  if (!isObject(doc)) throw new ConfigLoadError([`${where}: must be an object`]);
  try {
    return parse(new Fields(doc, '', ctx));
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigLoadError([`${where}: ${e.message}`]);
    throw e;
  }
}

/** Deep merge as Envoy merges `--config-yaml` into the file: objects merge, lists append, scalars replace. */
function merge(base: unknown, over: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  if (isObject(base) && isObject(over)) {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return over;
}

export interface LoadedBootstrap {
  readonly bootstrap: Bootstrap;
  readonly ignored: readonly string[];
}

export function loadBootstrap(
  path: string | undefined,
  configYaml: string | undefined,
  overrides: NodeOverrides,
): LoadedBootstrap {
  let doc: unknown = path ? readDocument(path) : {};
  if (configYaml) doc = merge(doc, parseDocument(configYaml, '--config-yaml'));
  const where = path ?? '--config-yaml';
  checkSchema('envoy.config.bootstrap.v3.Bootstrap', doc, where);
  const ctx = newContext();
  const bootstrap = parseWith(doc, where, (f) => parseBootstrap(f, overrides), ctx);
  return { bootstrap, ignored: ctx.ignored };
}
