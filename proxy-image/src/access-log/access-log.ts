/**
 * Envoy's `config.accesslog.v3.AccessLog` with the file, stdout and stderr loggers: a format
 * (text with operators, or `json_format`), an optional filter, a sink. Parsing is pure; the
 * sink opens on first use, so a rejected config opens no file.
 */
import type { Fields, Json } from '../config/fields';
import { isObject } from '../config/fields';
import { formatResponseFlags } from '../http/response-flags';
import type { StreamInfo } from '../http/stream-info';
import { DEFAULT_FORMAT, FormatError, Formatter } from './formatter';
import { type AccessLogSink, sinkFor } from './sink';

type Filter = (info: StreamInfo) => boolean;

type Render = (info: StreamInfo) => string;

export interface AccessLog {
  log(info: StreamInfo): void;
}

const FILE = 'envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STDOUT = 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
const STDERR = 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog';

function formatter(f: Fields, name: string, text: string): Formatter {
  try {
    return new Formatter(text, true);
  } catch (e) {
    if (e instanceof FormatError) f.fail(name, e.message);
    throw e;
  }
}

function jsonRender(f: Fields, name: string, shape: Json, omitEmpty: boolean): Render {
  type Node = Formatter | Map<string, Node> | unknown;
  const compile = (v: unknown, path: string): Node => {
    if (typeof v === 'string') return formatter(f, path, v);
    if (isObject(v)) return new Map(Object.entries(v).map(([k, x]) => [k, compile(x, `${path}.${k}`)]));
    return v;
  };
  const root = compile(shape, name) as Map<string, Node>;
  const evaluate = (node: Node, info: StreamInfo): unknown => {
    if (node instanceof Formatter) return node.value(info);
    if (node instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node) {
        const r = evaluate(v, info);
        if (omitEmpty && (r === null || r === '-' || r === '')) continue;
        out[k] = r;
      }
      return out;
    }
    return node;
  };
  return (info) => `${JSON.stringify(evaluate(root, info))}\n`;
}

/** `SubstitutionFormatString` (or the deprecated `format`/`json_format` fields of FileAccessLog). */
function parseLogFormat(f: Fields): Render {
  const lf = f.object('log_format');
  if (lf) {
    const omitEmpty = lf.bool('omit_empty_values');
    let render: Render;
    const json = lf.get('json_format');
    if (isObject(json)) render = jsonRender(lf, 'json_format', json, omitEmpty);
    else {
      let text = lf.string('text_format');
      const src = lf.object('text_format_source');
      if (src) {
        text = src.string('inline_string', '');
        src.done(['filename', 'inline_bytes', 'environment_variable']);
      }
      const fm = formatter(lf, 'text_format', text ?? DEFAULT_FORMAT);
      render = (info) => fm.format1(info);
    }
    lf.accept('content_type');
    lf.done(['formatters', 'json_format_options']);
    return render;
  }
  const json = f.get('json_format');
  if (isObject(json)) return jsonRender(f, 'json_format', json, false);
  const fm = formatter(f, 'format', f.string('format') || DEFAULT_FORMAT);
  return (info) => fm.format1(info);
}

const OPS = {
  EQ: (a: number, b: number) => a === b,
  GE: (a: number, b: number) => a >= b,
  LE: (a: number, b: number) => a <= b,
};

function comparison(f: Fields): (v: number) => boolean {
  const op = OPS[f.enumOf('op', ['EQ', 'GE', 'LE'] as const, 'EQ')];
  const value = f.object('value');
  const n = value?.number('default_value', 0) ?? 0;
  value?.accept('runtime_key');
  value?.done();
  f.done();
  return (v) => op(v, n);
}

function parseFilter(f: Fields): Filter | undefined {
  const kind = f.oneOf([
    'status_code_filter',
    'duration_filter',
    'not_health_check_filter',
    'response_flag_filter',
    'and_filter',
    'or_filter',
  ] as const);
  let filter: Filter | undefined;
  if (kind === 'status_code_filter' || kind === 'duration_filter') {
    const c = f.object(kind)!;
    const test = comparison(c.object('comparison') ?? c.fail('comparison', 'is required'));
    c.done();
    filter = kind === 'status_code_filter' ? (i) => test(i.responseCode) : (i) => test(i.elapsedMs());
  } else if (kind === 'not_health_check_filter') {
    f.object(kind)?.done();
    filter = () => true;
  } else if (kind === 'response_flag_filter') {
    const r = f.object(kind)!;
    const flags = r.stringArray('flags');
    r.done();
    filter = (i) => {
      if (i.responseFlags === 0) return false;
      if (flags.length === 0) return true;
      const set = formatResponseFlags(i.responseFlags).split(',');
      return flags.some((x) => set.includes(x));
    };
  } else if (kind === 'and_filter' || kind === 'or_filter') {
    const g = f.object(kind)!;
    const parts = g.array('filters').map(parseFilter);
    g.done();
    const list = parts.filter((p): p is Filter => p !== undefined);
    filter = kind === 'and_filter' ? (i) => list.every((p) => p(i)) : (i) => list.some((p) => p(i));
  }
  f.done();
  return filter;
}

/** Parses one AccessLog entry; unknown logger types are reported as ignored and yield undefined. */
export function parseAccessLog(f: Fields): AccessLog | undefined {
  f.accept('name');
  const filterSpec = f.object('filter');
  const filter = filterSpec ? parseFilter(filterSpec) : undefined;
  const tc = f.object('typed_config');
  if (!tc) {
    f.done();
    f.fail('typed_config', 'is required');
  }
  const type = String(tc.raw['@type'] ?? '').replace(/^.*\//, '');
  let target: string;
  if (type === FILE) target = tc.requiredString('path');
  else if (type === STDOUT) target = '/dev/stdout';
  else if (type === STDERR) target = '/dev/stderr';
  else {
    tc.accept(...Object.keys(tc.raw));
    f.ctx.ignored.push(`${f.path} (${type})`);
    f.done();
    return undefined;
  }
  const render = parseLogFormat(tc);
  tc.done(['typed_json_format']);
  f.done();
  let sink: AccessLogSink | undefined;
  return {
    log(info) {
      if (filter && !filter(info)) return;
      if (!sink) sink = sinkFor(target);
      sink.write(render(info));
    },
  };
}

export function parseAccessLogs(list: Fields[]): AccessLog[] {
  return list.map(parseAccessLog).filter((l): l is AccessLog => l !== undefined);
}
