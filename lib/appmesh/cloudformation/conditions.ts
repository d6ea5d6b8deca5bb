/**
 * The template's `Conditions`, decided where the template alone allows it (`Fn::Equals` of
 * parameters with values, `Fn::And`, `Fn::Or`, `Fn::Not`); `undefined` when only a deployed
 * stack could say.
 */
import { resolve } from './intrinsics';
import { type TemplateContext, Unresolved } from './template-context';

export function evaluateCondition(name: string, ctx: TemplateContext): boolean | undefined {
  if (ctx.decided.has(name)) return ctx.decided.get(name);
  ctx.decided.set(name, undefined); // a condition that refers to itself stays undecided
  let result: boolean | undefined;
  if (!(name in ctx.conditions)) {
    ctx.error(['Conditions', name], 'no such condition in this template');
  } else {
    result = evaluate(ctx.conditions[name], ctx);
  }
  ctx.decided.set(name, result);
  return result;
}

function evaluate(expr: unknown, ctx: TemplateContext): boolean | undefined {
  if (typeof expr === 'boolean') return expr;
  if (expr === 'true' || expr === 'false') return expr === 'true';
  if (!expr || typeof expr !== 'object' || Array.isArray(expr)) return undefined;
  const [[fn, arg]] = Object.entries(expr as Record<string, unknown>);
  const args = Array.isArray(arg) ? arg : [arg];
  switch (fn) {
    case 'Condition':
      return typeof arg === 'string' ? evaluateCondition(arg, ctx) : undefined;
    case 'Fn::Not': {
      const v = evaluate(args[0], ctx);
      return v === undefined ? undefined : !v;
    }
    case 'Fn::And':
    case 'Fn::Or': {
      const values = args.map((a) => evaluate(a, ctx));
      // And is decided by a false, Or by a true.
      const decisive = fn !== 'Fn::And';
      if (values.includes(decisive)) return decisive;
      return values.includes(undefined) ? undefined : !decisive;
    }
    case 'Fn::Equals': {
      const [a, b] = args.map((a) => resolve(a, ctx, [], { quiet: true }));
      if (a instanceof Unresolved || b instanceof Unresolved) return undefined;
      const text = (v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));
      return text(a) === text(b);
    }
    default:
      return undefined;
  }
}
