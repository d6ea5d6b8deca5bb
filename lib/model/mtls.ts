/**
 * Mesh-wide mutual TLS. Every proxy holds an identity, a SPIFFE ID as the URI SAN of its
 * certificate (`spiffe://<trust domain>/<service>/<version>`, gateways
 * `spiffe://<trust domain>/<gateway>`), and checks its peer's against what the route expects.
 */
import { z } from 'zod';
import { dnsName } from './primitives';

export const MTLS_MODES = ['strict', 'permissive', 'disabled'] as const;

export const mtls = z.strictObject({
  /**
   * `strict`: proxies accept only mTLS from identities of the trust domain; `permissive`
   * (for migration): they also accept plaintext from callers outside the mesh, while mesh
   * callers still use mTLS; `disabled`: plaintext.
   */
  mode: z.enum(MTLS_MODES),
  /** The SPIFFE trust domain. @default the mesh name */
  trustDomain: dnsName.optional(),
  /** The oldest TLS version proxies negotiate; TLS 1.3 is always preferred. @default 'TLSv1_2' */
  minimumProtocolVersion: z.enum(['TLSv1_2', 'TLSv1_3']).default('TLSv1_2'),
});
export type Mtls = z.infer<typeof mtls>;
