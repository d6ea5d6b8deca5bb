/**
 * Building blocks for the App Mesh API shapes. Each object schema is declared against the
 * `@aws-sdk/client-app-mesh` type it reads (`shape<VirtualNodeSpec>()({...})`): the compiler
 * then insists on every field the API has, and on no other, so the importer can neither miss
 * a field nor invent one.
 */
import { z } from 'zod';

type Fields<T> = { [K in keyof Required<T>]: z.ZodType<T[K]> };

/** A strict object schema with exactly the fields of the App Mesh shape `T`. */
export function shape<T>() {
  return <F extends Fields<T>>(fields: F & Record<Exclude<keyof F, keyof T>, never>) => z.strictObject(fields);
}

type OneOf<T extends Record<string, z.ZodType>> = { [K in keyof T]: { [P in K]: z.output<T[P]> } }[keyof T];

/** An App Mesh union ("only one of the following members can be specified"). */
export function oneOf<T extends Record<string, z.ZodType>>(members: T): z.ZodType<OneOf<T>> {
  const keys = Object.keys(members);
  const optional = Object.fromEntries(keys.map((k) => [k, members[k].optional()]));
  return z.strictObject(optional).superRefine((value, ctx) => {
    const set = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (set.length === 1) return;
    ctx.addIssue({
      code: 'custom',
      message: set.length
        ? `set only one of ${keys.join(', ')} (found ${set.join(' and ')})`
        : `set one of ${keys.join(', ')}`,
    });
  }) as unknown as z.ZodType<OneOf<T>>;
}

/** CloudFormation carries numbers from parameters as strings ("8080"); App Mesh means the number. */
function numeric(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

export function int(range: { min?: number; max?: number } = {}) {
  let n = z.number().int();
  if (range.min !== undefined) n = n.min(range.min);
  if (range.max !== undefined) n = n.max(range.max);
  return z.preprocess(numeric, n);
}

export const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const text = z.string().min(1);

export const port = int({ min: 1, max: 65535 });

export const portProtocol = z.enum(['http', 'http2', 'grpc', 'tcp']);
export const gatewayPortProtocol = z.enum(['http', 'http2', 'grpc']);
