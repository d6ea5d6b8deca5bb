/**
 * Who may call a service, and what (Istio's authorization semantics, on SPIFFE identities):
 * a service without `authorization` admits every caller the mTLS mode admits; once it has
 * rules, a request is refused unless an ALLOW rule matches, and a matching DENY rule wins
 * over any ALLOW. `authorization: []` refuses everything.
 */
import { z } from 'zod';
import { method, pathMatch } from './match';
import { dnsName, identifier, port } from './primitives';

export const caller = z.union([
  /** Short form: any version of this service. */
  dnsName,
  z.strictObject({ service: dnsName, version: identifier.optional() }),
  z.strictObject({ gateway: dnsName }),
  /** A SPIFFE ID verbatim, for callers outside the mesh that hold a certificate from its CA. */
  z.strictObject({ identity: z.string().regex(/^spiffe:\/\/[^/]+(\/[^/]+)*$/, 'must be a SPIFFE ID (spiffe://…)') }),
]);
export type Caller = z.infer<typeof caller>;

export const operation = z.strictObject({
  /** Matched against the normalized request path (the one routes see). HTTP listeners only. */
  paths: z.array(pathMatch).min(1).optional(),
  methods: z.array(method).min(1).optional(),
  /** Service listener ports; all when omitted. */
  ports: z.array(port).min(1).optional(),
});
export type Operation = z.infer<typeof operation>;

export const authorizationRule = z.strictObject({
  /** @default 'ALLOW' */
  action: z.enum(['ALLOW', 'DENY']).default('ALLOW'),
  /** Any caller when omitted (anyone the mTLS mode admits, including plaintext ones in permissive mode). */
  from: z.array(caller).min(1).optional(),
  /** Anything when omitted. */
  to: z.array(operation).min(1).optional(),
});
export type AuthorizationRule = z.infer<typeof authorizationRule>;

export const authorization = z.array(authorizationRule);
