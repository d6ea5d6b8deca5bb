/**
 * The small vocabulary every part of the model shares: names, ports, protocols, durations
 * and the "exactly one of" rule App Mesh applies to its match unions.
 */
import { z } from 'zod';
import { checkRe2 } from '../regex/re2';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration';

/** Service and gateway names: what callers put in a Host header, so DNS names. */
export const dnsName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
    'must be a lowercase DNS name (letters, digits, hyphens and dots)',
  );

/** Version, route and listener names: short identifiers that appear in cluster and stat names. */
export const identifier = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, 'must be letters, digits, and . _ - inside');

export const port = z.number().int('must be a whole number').min(1).max(65535);

export const protocol = z.enum(['http', 'http2', 'grpc', 'tcp']);
export type Protocol = z.infer<typeof protocol>;

/** Protocols that carry HTTP requests, and so routes with L7 matches. */
export function isHttpLike(p: Protocol): boolean {
  return p !== 'tcp';
}

/** A duration string within `[min, max]` (inclusive); `allowZero` admits `0s` meaning "disabled". */
export function duration(opts: { min: string; max: string; allowZero?: boolean }) {
  const min = parseDuration(opts.min)!;
  const max = parseDuration(opts.max)!;
  return z
    .string()
    .regex(DURATION_PATTERN, 'is not a duration (write e.g. 250ms, 15s, 5m, 1h)')
    .superRefine((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) return;
      if (ms === 0 && opts.allowZero) return;
      if (ms < min || ms > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${text} is out of range: must be between ${formatDuration(min)} and ${formatDuration(max)}${opts.allowZero ? ' (or 0s to disable)' : ''}`,
        });
      }
    });
}

/** A regular expression in the RE2 dialect Envoy accepts. */
export const re2 = z
  .string()
  .min(1)
  .superRefine((pattern, ctx) => {
    const reason = checkRe2(pattern);
    if (reason) ctx.addIssue({ code: 'custom', message: `not a valid RE2 regex: ${reason}` });
  });

/** Adds an issue unless exactly one (or, with `optional`, at most one) of `keys` is set. */
export function exactlyOne(
  value: Record<string, unknown>,
  keys: readonly string[],
  ctx: z.RefinementCtx,
  optional = false,
) {
  const set = keys.filter((k) => value[k] !== undefined);
  if (set.length > 1) {
    ctx.addIssue({ code: 'custom', message: `set only one of ${keys.join(', ')} (found ${set.join(' and ')})` });
  } else if (set.length === 0 && !optional) {
    ctx.addIssue({ code: 'custom', message: `set one of ${keys.join(', ')}` });
  }
}
