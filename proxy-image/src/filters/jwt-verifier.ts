/**
 * Verifies a compact JWS (RFC 7515/7519) for a provider: RS256/384/512, PS256/384/512 and
 * ES256/384/512 with node:crypto, then `iss`, `aud`, `exp` and `nbf` with the provider's clock
 * skew. Failures carry Envoy's status messages ("Jwt is expired", "Audiences in Jwt are not
 * allowed", …), which become the 401/403 body.
 */
import { constants, verify } from 'node:crypto';
import type { Jwk } from './jwks';

export class JwtError extends Error {
  constructor(
    message: string,
    /** 401 for a bad token, 403 for a good token that is not for this audience. */
    readonly status: 401 | 403 = 401,
  ) {
    super(message);
  }
}

export interface JwtProviderRules {
  readonly issuer: string | undefined;
  readonly audiences: readonly string[];
  readonly clockSkewSeconds: number;
  readonly requireExpiration: boolean;
  readonly maxLifetimeSeconds: number | undefined;
}

export interface VerifiedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  /** The payload segment as sent (base64url), for forward_payload_header. */
  readonly payloadSegment: string;
}

const ALGS: Record<string, { hash: string; kty: 'RSA' | 'EC'; pss?: boolean; crv?: string }> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  PS384: { hash: 'sha384', kty: 'RSA', pss: true },
  PS512: { hash: 'sha512', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256' },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384' },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521' },
};

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(segment: string): Record<string, unknown> {
  if (!B64URL.test(segment)) throw new JwtError('Jwt is not in the form of Header.Payload.Signature');
  try {
    const v = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new JwtError('Jwt header or payload is an invalid JSON');
}

/** Decodes without verifying (to read `iss` and `kid` first). */
export function decodeJwt(token: string): VerifiedJwt & { signature: Buffer; signingInput: string } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('Jwt is not in the form of Header.Payload.Signature');
  const header = decodeJson(parts[0]);
  const payload = decodeJson(parts[1]);
  if (!B64URL.test(parts[2])) throw new JwtError('Jwt is not in the form of Header.Payload.Signature');
  return {
    header,
    payload,
    payloadSegment: parts[1],
    signature: Buffer.from(parts[2], 'base64url'),
    signingInput: `${parts[0]}.${parts[1]}`,
  };
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function verifyJwt(
  token: string,
  rules: JwtProviderRules,
  keys: readonly Jwk[],
  nowMs = Date.now(),
): VerifiedJwt {
  const jwt = decodeJwt(token);
  const alg = typeof jwt.header.alg === 'string' ? jwt.header.alg : '';
  const spec = ALGS[alg];
  if (!spec) throw new JwtError(`Jwt uses an unsupported algorithm${alg ? ` (${alg})` : ''}`);
  const p = jwt.payload;
  if (rules.issuer !== undefined && p.iss !== rules.issuer) throw new JwtError('Jwt issuer is not configured');
  const now = Math.floor(nowMs / 1000);
  const skew = rules.clockSkewSeconds;
  const exp = num(p.exp);
  const nbf = num(p.nbf);
  if (p.exp !== undefined && exp === undefined) throw new JwtError('Jwt exp claim is not a number');
  if (exp === undefined && rules.requireExpiration) throw new JwtError('Jwt is expired');
  if (exp !== undefined && now > exp + skew) throw new JwtError('Jwt is expired');
  if (nbf !== undefined && now + skew < nbf) throw new JwtError('Jwt not yet valid');
  if (rules.maxLifetimeSeconds !== undefined && exp !== undefined) {
    const iat = num(p.iat) ?? nbf;
    if (iat === undefined || exp - iat > rules.maxLifetimeSeconds) throw new JwtError('Jwt lifetime is too long');
  }
  const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined;
  const candidates = keys.filter(
    (k) =>
      k.kty === spec.kty &&
      (kid === undefined || k.kid === kid) &&
      (k.alg === undefined || k.alg === alg) &&
      (spec.crv === undefined || k.crv === undefined || k.crv === spec.crv),
  );
  if (candidates.length === 0) throw new JwtError("Jwks doesn't have key to match kid or alg from Jwt");
  const ok = candidates.some((k) => {
    try {
      return verify(
        spec.hash,
        Buffer.from(jwt.signingInput),
        spec.kty === 'EC'
          ? { key: k.key, dsaEncoding: 'ieee-p1363' }
          : spec.pss
            ? { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
            : k.key,
        jwt.signature,
      );
    } catch {
      return false;
    }
  });
  if (!ok) throw new JwtError('Jwt verification fails');
  if (rules.audiences.length) {
    const aud = p.aud;
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
    if (!list.some((a) => rules.audiences.includes(a))) throw new JwtError('Audiences in Jwt are not allowed', 403);
  }
  return { header: jwt.header, payload: p, payloadSegment: jwt.payloadSegment };
}
