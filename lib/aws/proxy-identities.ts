/**
 * Keeps every proxy of an mTLS mesh holding a valid certificate from AWS Private CA. Each run
 * (deploy, task change, the 5-minute schedule) reuses the stored certificate until two thirds
 * of its lifetime has passed, then issues a new one, so a 24-hour certificate is replaced with
 * about 8 hours to spare and a failed renewal has dozens of retries before anything expires.
 * A certificate for another SPIFFE ID (the trust domain changed) or another CA is replaced.
 * The result becomes `placement.tls.certificates`: inline SDS Secrets in each proxy's snapshot.
 */
import { proxyNames } from '../compiler/compile';
import { parseSidecarName } from '../compiler/names';
import type { ProxyCertificates } from '../compiler/secrets';
import { gatewayIdentity, versionIdentity } from '../model/identity';
import type { MeshModel } from '../model/model';
import type { IdentityVault } from './identity-vault';
import type { IssuedIdentity, PrivateCaIssuer } from './private-ca-issuer';

export interface ProxyIdentitiesOptions {
  readonly issuer: Pick<PrivateCaIssuer, 'issue' | 'trustBundle' | 'certificateAuthorityArn'>;
  readonly vault: IdentityVault;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Issuances in flight at once (a first deploy issues one per proxy). @default 4 */
  readonly concurrency?: number;
  /** Called for every certificate issued, for logs and metrics. */
  readonly onIssued?: (proxy: string, identity: IssuedIdentity) => void;
}

/** Share of a certificate's lifetime after which it is renewed. */
export const RENEW_AT = 2 / 3;

export function spiffeIdOf(model: MeshModel, proxy: string): string {
  const sidecar = parseSidecarName(proxy);
  return sidecar
    ? versionIdentity(model.mtls.trustDomain, sidecar.service, sidecar.version)
    : gatewayIdentity(model.mtls.trustDomain, proxy);
}

/** `true` when `stored` cannot be reused at `now` for `spiffeId` from `certificateAuthorityArn`. */
export function needsRenewal(
  stored: IssuedIdentity | undefined,
  spiffeId: string,
  certificateAuthorityArn: string,
  now: Date,
): boolean {
  if (!stored || stored.spiffeId !== spiffeId || stored.certificateAuthorityArn !== certificateAuthorityArn)
    return true;
  const from = Date.parse(stored.notBefore);
  const to = Date.parse(stored.notAfter);
  if (!(to > from)) return true;
  return now.getTime() >= from + (to - from) * RENEW_AT;
}

export interface ProxyIdentitiesResult {
  readonly certificates: Readonly<Record<string, ProxyCertificates>>;
  /** Proxies that got a new certificate in this run. */
  readonly issued: readonly string[];
}

/** Certificates for every proxy of `model`; empty when the mesh does not use mTLS. */
export async function proxyIdentities(model: MeshModel, o: ProxyIdentitiesOptions): Promise<ProxyIdentitiesResult> {
  if (model.mtls.mode === 'disabled') return { certificates: {}, issued: [] };
  const now = (o.now ?? (() => new Date()))();
  const trustBundle = await o.issuer.trustBundle();
  const proxies = proxyNames(model);
  const certificates: Record<string, ProxyCertificates> = {};
  const issued: string[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    // After one failure the others stop taking proxies: the run fails anyway, issue no more.
    while (!failed && next < proxies.length) {
      const proxy = proxies[next++];
      const spiffeId = spiffeIdOf(model, proxy);
      let identity = await o.vault.read(proxy);
      if (needsRenewal(identity, spiffeId, o.issuer.certificateAuthorityArn, now)) {
        identity = await o.issuer.issue(spiffeId, proxy);
        // Stored before anything else can fail, so this run's certificate is never issued twice.
        await o.vault.write(proxy, identity);
        issued.push(proxy);
        o.onIssued?.(proxy, identity);
      }
      certificates[proxy] = {
        certificateChain: identity!.certificateChain,
        privateKey: identity!.privateKey,
        trustBundle,
      };
    }
  };
  const guarded = () =>
    worker().catch((e) => {
      failed = true;
      throw e;
    });
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, proxies.length) }, guarded));
  return { certificates, issued: issued.sort() };
}
