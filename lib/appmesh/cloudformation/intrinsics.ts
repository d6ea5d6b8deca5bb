/**
 * CloudFormation's intrinsic functions, evaluated as far as a template alone allows: `Ref`,
 * `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`, `Fn::FindInMap`,
 * `Fn::ImportValue`… Parameters take their `--parameter` value or their `Default`; names of
 * resources in the template resolve to those names; anything else becomes a placeholder.
 */
import type { PathSegment } from '../../model/problem';
import { evaluateCondition } from './conditions';
import { NO_VALUE, type TemplateContext, Unresolved } from './template-context';

/** The attribute of each App Mesh resource type that is its own name (`!GetAtt Node.VirtualNodeName`). */
export const OWN_NAME_ATTRIBUTE: Record<string, string> = {
  'AWS::AppMesh::Mesh': 'MeshName',
  'AWS::AppMesh::VirtualNode': 'VirtualNodeName',
  'AWS::AppMesh::VirtualService': 'VirtualServiceName',
  'AWS::AppMesh::VirtualRouter': 'VirtualRouterName',
  'AWS::AppMesh::Route': 'RouteName',
  'AWS::AppMesh::VirtualGateway': 'VirtualGatewayName',
  'AWS::AppMesh::GatewayRoute': 'GatewayRouteName',
};

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

export interface ResolveOptions {
  /** Evaluating a condition: placeholders are not reported (the `Fn::If` that needed it is). */
  readonly quiet?: boolean;
}

/** The value with every intrinsic function evaluated; `NO_VALUE` when it is `AWS::NoValue`. */
export function resolve(
  value: unknown,
  ctx: TemplateContext,
  path: readonly PathSegment[],
  opts: ResolveOptions = {},
): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => resolve(v, ctx, [...path, i], opts)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0];
    if (key === 'Ref') return ref(arg, ctx, path, opts);
    if (key.startsWith('Fn::')) return fn(key.slice(4), arg, ctx, [...path, key], opts);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const r = resolve(v, ctx, [...path, k], opts);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function placeholder(
  ctx: TemplateContext,
  path: readonly PathSegment[],
  text: string,
  why: string,
  opts: ResolveOptions,
): Unresolved {
  return opts.quiet ? new Unresolved(text) : ctx.placeholder(path, text, why);
}

function ref(name: unknown, ctx: TemplateContext, path: readonly PathSegment[], opts: ResolveOptions): unknown {
  if (typeof name !== 'string') {
    if (!opts.quiet) ctx.error(path, 'Ref needs the name of a parameter or resource');
    return new Unresolved(`\${Ref}`);
  }
  if (name === 'AWS::NoValue') return NO_VALUE;
  const param = ctx.parameters[name];
  if (param) {
    const listType = typeof param.Type === 'string' && /^(List<|CommaDelimitedList)/.test(param.Type);
    const asValue = (v: string) => (listType ? v.split(',').map((s) => s.trim()) : v);
    if (ctx.given[name] !== undefined) return asValue(ctx.given[name]);
    if (param.Default !== undefined && param.Default !== null) {
      if (!opts.quiet)
        ctx.note(['Parameters', name], `not given with --parameter; its Default '${param.Default}' is used`);
      return asValue(String(param.Default));
    }
    return placeholder(
      ctx,
      path,
      `\${${name}}`,
      `parameter ${name} has no Default and was not given (--parameter ${name}=<value>)`,
      opts,
    );
  }
  if (PSEUDO_PARAMETERS.has(name)) {
    return placeholder(ctx, path, `\${${name}}`, `${name} is known only once the stack is deployed`, opts);
  }
  if (ctx.resources[name]) {
    return placeholder(
      ctx,
      path,
      `\${${name}}`,
      `Ref of resource ${name} (its ARN or ID) is known only once deployed`,
      opts,
    );
  }
  return placeholder(ctx, path, `\${${name}}`, `${name} is not a parameter or resource of this template`, opts);
}

const resolving = new Set<string>();

function getAtt(
  resource: string,
  attribute: string,
  ctx: TemplateContext,
  path: readonly PathSegment[],
  opts: ResolveOptions,
): unknown {
  const text = `\${${resource}.${attribute}}`;
  const r = ctx.resources[resource];
  if (!r) return placeholder(ctx, path, text, `resource ${resource} is not in this template`, opts);
  const key = `${ctx.file}\u0000${resource}\u0000${attribute}`;
  if (r.Properties && attribute in r.Properties && !resolving.has(key)) {
    resolving.add(key);
    try {
      return resolve(r.Properties[attribute], ctx, ['Resources', resource, 'Properties', attribute], opts);
    } finally {
      resolving.delete(key);
    }
  }
  // An unnamed App Mesh resource is named after its logical ID (the template reader says so).
  if (typeof r.Type === 'string' && OWN_NAME_ATTRIBUTE[r.Type] === attribute) return resource;
  return placeholder(ctx, path, text, `${resource}.${attribute} is known only once deployed`, opts);
}

function str(v: unknown): string | Unresolved | undefined {
  if (v instanceof Unresolved) return v;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Concatenation that stays a placeholder when any part is one. */
function concat(parts: (string | Unresolved)[]): string | Unresolved {
  const joined = parts.map(String).join('');
  return parts.some((p) => p instanceof Unresolved) ? new Unresolved(joined) : joined;
}

function sub(arg: unknown, ctx: TemplateContext, path: readonly PathSegment[], opts: ResolveOptions): unknown {
  const [template, rawVars] = Array.isArray(arg) ? arg : [arg, {}];
  if (typeof template !== 'string') {
    if (!opts.quiet) ctx.error(path, 'Fn::Sub needs a string, or [string, { variables }]');
    return new Unresolved(`\${Sub}`);
  }
  const vars = (resolve(rawVars ?? {}, ctx, [...path, 1], opts) ?? {}) as Record<string, unknown>;
  const parts: (string | Unresolved)[] = [];
  let last = 0;
  for (const m of template.matchAll(/\$\{([^}]*)\}/g)) {
    parts.push(template.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1].trim();
    if (name.startsWith('!')) {
      parts.push(`\${${name.slice(1)}}`);
      continue;
    }
    let v: unknown;
    if (name in vars) v = vars[name];
    else if (name.includes('.') && !name.startsWith('AWS::')) {
      const dot = name.indexOf('.');
      v = getAtt(name.slice(0, dot), name.slice(dot + 1), ctx, path, opts);
    } else v = ref(name, ctx, path, opts);
    parts.push(str(v) ?? new Unresolved(`\${${name}}`));
  }
  parts.push(template.slice(last));
  return concat(parts);
}

function fn(
  name: string,
  arg: unknown,
  ctx: TemplateContext,
  path: readonly PathSegment[],
  opts: ResolveOptions,
): unknown {
  const bad = (shape: string) => {
    if (!opts.quiet) ctx.error(path, `expected ${shape}`);
    return new Unresolved(`\${Fn::${name}}`);
  };
  switch (name) {
    case 'GetAtt': {
      const [res, attr] = typeof arg === 'string' ? arg.split(/\.(.*)/) : Array.isArray(arg) ? arg : [];
      const attribute = str(resolve(attr, ctx, path, opts));
      if (typeof res !== 'string' || typeof attribute !== 'string') return bad('[resource, attribute]');
      return getAtt(res, attribute, ctx, path, opts);
    }
    case 'Sub':
      return sub(arg, ctx, path, opts);
    case 'Join': {
      if (!Array.isArray(arg) || arg.length !== 2) return bad('[delimiter, [values]]');
      const list = resolve(arg[1], ctx, [...path, 1], opts);
      if (list instanceof Unresolved) return list;
      if (!Array.isArray(list)) return bad('[delimiter, [values]]');
      const parts = list.map((v) => str(v) ?? '');
      const joined: (string | Unresolved)[] = [];
      parts.forEach((p, i) => {
        joined.push(...(i ? [String(arg[0]), p] : [p]));
      });
      return concat(joined);
    }
    case 'Select': {
      if (!Array.isArray(arg) || arg.length !== 2) return bad('[index, [values]]');
      const index = Number(str(resolve(arg[0], ctx, [...path, 0], opts)));
      const list = resolve(arg[1], ctx, [...path, 1], opts);
      if (list instanceof Unresolved) return new Unresolved(`${list.text}[${index}]`);
      if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length)
        return bad('an index within the list');
      return list[index];
    }
    case 'Split': {
      if (!Array.isArray(arg) || arg.length !== 2) return bad('[delimiter, string]');
      const s = str(resolve(arg[1], ctx, [...path, 1], opts));
      if (s === undefined) return bad('[delimiter, string]');
      return s instanceof Unresolved ? s : s.split(String(arg[0]));
    }
    case 'If': {
      if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return bad('[condition, then, else]');
      const decided = evaluateCondition(arg[0], ctx);
      if (decided === undefined && !opts.quiet) {
        ctx.note(path, `condition ${arg[0]} cannot be decided from the template alone; the value for true is used`);
      }
      return decided === false ? resolve(arg[2], ctx, [...path, 2], opts) : resolve(arg[1], ctx, [...path, 1], opts);
    }
    case 'FindInMap': {
      if (!Array.isArray(arg) || arg.length < 3) return bad('[map, top-level key, second-level key]');
      const keys = arg.slice(0, 3).map((k, i) => str(resolve(k, ctx, [...path, i], opts)));
      const text = `\${${keys.map(String).join('.')}}`;
      if (keys.some((k) => typeof k !== 'string')) {
        return placeholder(ctx, path, text, 'the map keys are known only once deployed', opts);
      }
      const [map, top, second] = keys as string[];
      const found = (ctx.mappings[map] as Record<string, Record<string, unknown>> | undefined)?.[top]?.[second];
      if (found === undefined) return placeholder(ctx, path, text, `Mappings has no ${map}.${top}.${second}`, opts);
      return resolve(found, ctx, ['Mappings', map, top, second], opts);
    }
    case 'ImportValue': {
      const exported = str(resolve(arg, ctx, path, opts)) ?? 'export';
      return placeholder(ctx, path, `\${Import:${exported}}`, `${exported} is exported by another stack`, opts);
    }
    default:
      return placeholder(ctx, path, `\${Fn::${name}}`, `Fn::${name} is not evaluated by the importer`, opts);
  }
}
