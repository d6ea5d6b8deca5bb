/**
 * What a route can match on. The shapes follow App Mesh's (`headers[].match.exact`, …)
 * flattened one level: `{ name: 'client', exact: 'android' }`. Each match names exactly
 * one way to compare, as App Mesh's unions do.
 */
import { z } from 'zod';
import { exactlyOne, re2 } from './primitives';

const STRING_MATCH_KEYS = ['exact', 'prefix', 'suffix', 'regex', 'range', 'present'] as const;

const range = z
  .strictObject({ start: z.number().int(), end: z.number().int() })
  .refine((r) => r.start < r.end, { message: 'range start must be less than end (end is exclusive)' });

const stringMatchFields = {
  exact: z.string().optional(),
  prefix: z.string().min(1).optional(),
  suffix: z.string().min(1).optional(),
  regex: re2.optional(),
  /** Numeric range, start inclusive, end exclusive (Envoy's `range_match`). */
  range: range.optional(),
  /** `true`: present with any value; `false`: absent. */
  present: z.boolean().optional(),
  /** Match when the comparison fails. */
  invert: z.boolean().optional(),
};

const HEADER_NAME = /^:?[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const headerMatch = z
  .strictObject({ name: z.string().regex(HEADER_NAME, 'must be an HTTP header name'), ...stringMatchFields })
  .superRefine((m, ctx) => exactlyOne(m, STRING_MATCH_KEYS, ctx));
export type HeaderMatch = z.infer<typeof headerMatch>;

export const queryParameterMatch = z
  .strictObject({
    name: z.string().min(1),
    exact: z.string().optional(),
    prefix: z.string().min(1).optional(),
    suffix: z.string().min(1).optional(),
    regex: re2.optional(),
    present: z.literal(true).optional(),
  })
  .superRefine((m, ctx) => exactlyOne(m, ['exact', 'prefix', 'suffix', 'regex', 'present'], ctx));
export type QueryParameterMatch = z.infer<typeof queryParameterMatch>;

const absolutePath = z.string().startsWith('/', "must start with '/'");

export const pathMatch = z
  .strictObject({ exact: absolutePath.optional(), prefix: absolutePath.optional(), regex: re2.optional() })
  .superRefine((m, ctx) => exactlyOne(m, ['exact', 'prefix', 'regex'], ctx));
export type PathMatch = z.infer<typeof pathMatch>;

export const method = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

export const hostnameMatch = z
  .strictObject({
    exact: z.string().min(1).optional(),
    /** Matches `*.suffix`-style hosts: `example.com` matches `api.example.com` (not `example.com` itself). */
    suffix: z.string().min(1).optional(),
  })
  .superRefine((m, ctx) => exactlyOne(m, ['exact', 'suffix'], ctx));
export type HostnameMatch = z.infer<typeof hostnameMatch>;

const JSON_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** Envoy buffers at most this much for body routing unless a route asks for less. */
export const DEFAULT_BODY_MAX_BYTES = 8192;

export const bodyFieldMatch = z
  .strictObject({
    /** Dot path into the JSON body; numeric segments index arrays (`items.0.sku`). */
    path: z.string().regex(JSON_PATH, "must be a dot path into the JSON body, e.g. 'customer.tier'"),
    ...stringMatchFields,
  })
  .superRefine((m, ctx) => exactlyOne(m, STRING_MATCH_KEYS, ctx));
export type BodyFieldMatch = z.infer<typeof bodyFieldMatch>;

/** Body-based routing (App Mesh never had it): match on fields of a JSON request body. */
export const bodyMatch = z.strictObject({
  /** Bodies larger than this are not inspected and never match; the proxy's memory stays bounded. */
  maxBytes: z.number().int().min(1).max(1_048_576).default(DEFAULT_BODY_MAX_BYTES),
  fields: z.array(bodyFieldMatch).min(1).max(10),
});
export type BodyMatch = z.infer<typeof bodyMatch>;
