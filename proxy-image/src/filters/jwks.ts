/**
 * A JSON Web Key Set (RFC 7517) as verification keys: RSA and EC public keys imported with
 * node:crypto's JWK support, keyed by `kid`. Keys the proxy cannot use (private parts, other
 * key types, `use` other than `sig`) are skipped; a set with no usable key is an error.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

export interface Jwk {
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  readonly kty: 'RSA' | 'EC';
  readonly crv: string | undefined;
  readonly key: KeyObject;
}

export function parseJwks(text: string, where: string): Jwk[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: JWKS is not valid JSON: ${(e as Error).message}`);
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error(`${where}: JWKS must be an object with a "keys" array`);
  const out: Jwk[] = [];
  for (const k of keys as Array<Record<string, unknown>>) {
    if (!k || (k.kty !== 'RSA' && k.kty !== 'EC')) continue;
    if (k.use !== undefined && k.use !== 'sig') continue;
    try {
      const { d: _private, ...pub } = k;
      const key = createPublicKey({ key: pub as never, format: 'jwk' });
      out.push({
        kid: typeof k.kid === 'string' ? k.kid : undefined,
        alg: typeof k.alg === 'string' ? k.alg : undefined,
        kty: k.kty,
        crv: typeof k.crv === 'string' ? k.crv : undefined,
        key,
      });
    } catch {
      // A malformed key is skipped, as Envoy does; the others still verify.
    }
  }
  if (out.length === 0) throw new Error(`${where}: JWKS has no usable RSA or EC signing key`);
  return out;
}
