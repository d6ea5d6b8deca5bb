/**
 * App Mesh's per-listener TLS becomes Trellis's mesh-wide mTLS. App Mesh let each virtual
 * node terminate TLS with its own certificate (ACM, file or SDS) and each client validate
 * chosen SANs; Trellis gives every proxy a SPIFFE identity from one mesh CA instead. The
 * weakest mode any node used wins, so no caller that worked before is refused after import.
 */
import type { Mtls } from '../../model/mtls';
import type { PathSegment } from '../../model/problem';
import type { Inventory } from '../inventory';
import type { Source } from '../source';
import type { MapContext } from './context';

export function meshMtlsMode(inventory: Inventory): Mtls['mode'] {
  const modes = [...inventory.virtualNodes.values()].flatMap((n) =>
    (n.spec.listeners ?? []).map((l) => l.tls?.mode ?? 'DISABLED'),
  );
  if (!modes.some((m) => m === 'STRICT' || m === 'PERMISSIVE')) return 'disabled';
  return modes.every((m) => m === 'STRICT') ? 'strict' : 'permissive';
}

export function listenerTlsNote(mode: Mtls['mode']): string {
  return mode === 'disabled'
    ? 'TLS is off on this listener, as on every listener of the mesh'
    : `becomes the mesh-wide mtls mode '${mode}' (the weakest any node used); its certificate and SAN validation are replaced by SPIFFE identities from the mesh CA`;
}

export function clientPolicyNote(mode: Mtls['mode']): string {
  return mode === 'disabled'
    ? "no listener of the mesh uses TLS, so nothing here would accept it; set mtls.mode to 'strict' or 'permissive' to encrypt traffic between proxies"
    : `covered by the mesh-wide mtls mode '${mode}': callers originate mTLS to every mesh backend and check the target version's SPIFFE ID instead of listed SANs`;
}

/** Gateway listeners face clients outside the mesh, with certificates the mesh CA did not issue. */
export const GATEWAY_TLS =
  'Trellis gateways do not terminate TLS from outside clients yet; put a load balancer with an ACM certificate in front of the gateway';

/** A client policy is covered by mesh mTLS (inferred) or, with mTLS off, lost. */
export function reportClientPolicy(ctx: MapContext, source: Source, path: readonly PathSegment[]): void {
  const mode = meshMtlsMode(ctx.inventory);
  if (mode === 'disabled') ctx.report.dropped(source, path, clientPolicyNote(mode));
  else ctx.report.inferred(source, path, clientPolicyNote(mode));
}
