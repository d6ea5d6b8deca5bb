/**
 * JWT authentication at gateways: bearer tokens checked for issuer, audience, expiry (with
 * clock skew) and signature against a JWKS from a file or a URL, and chosen claims passed
 * upstream as headers.
 */
import { z } from 'zod';
import { duration, exactlyOne, identifier } from './primitives';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const jwks = z
  .strictObject({
    /** A JWKS document on the gateway's filesystem. */
    file: z.string().min(1).optional(),
    /** An `https://` (or `http://`) URL the gateway fetches and caches. */
    uri: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** How long a fetched JWKS is cached before refresh. @default '10m' */
    cacheDuration: duration({ min: '1s', max: '24h' }).optional(),
  })
  .superRefine((j, ctx) => {
    exactlyOne(j, ['file', 'uri'], ctx);
    if (j.file && j.cacheDuration)
      ctx.addIssue({ code: 'custom', path: ['cacheDuration'], message: 'only applies to a JWKS fetched from uri' });
  });
export type Jwks = z.infer<typeof jwks>;

export const jwtProvider = z.strictObject({
  /** The `iss` claim tokens must carry. */
  issuer: z.string().min(1),
  /** Tokens must name one of these in `aud`; any audience when omitted. */
  audiences: z.array(z.string().min(1)).min(1).optional(),
  jwks,
  /** Tolerance for `exp` and `nbf`. @default '60s' */
  clockSkew: duration({ min: '0s', max: '10m', allowZero: true }).default('60s'),
  /** Claim name → request header the gateway sets upstream from it (`sub: x-user-id`). */
  forwardClaims: z.record(z.string().min(1), z.string().regex(HEADER_NAME, 'must be an HTTP header name')).optional(),
  /** Keep the `Authorization` header on the request sent upstream. @default false */
  forwardToken: z.boolean().default(false),
});
export type JwtProvider = z.infer<typeof jwtProvider>;

export const gatewayJwt = z.strictObject({
  providers: z.record(identifier, jwtProvider).refine((p) => Object.keys(p).length > 0, 'needs at least one provider'),
  /** Every route needs a valid token (from any provider) unless it says otherwise. @default true */
  required: z.boolean().default(true),
});
export type GatewayJwt = z.infer<typeof gatewayJwt>;

/** A gateway route's override: no token needed, or tokens from these providers only. */
export const gatewayRouteJwt = z.strictObject({
  required: z.boolean().optional(),
  providers: z.array(identifier).min(1).optional(),
});
