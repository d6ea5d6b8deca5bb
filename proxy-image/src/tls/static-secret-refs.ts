/**
 * A TLS context may name a secret without an `sds_config`: it must then be one of
 * `static_resources.secrets` (Envoy refuses the bootstrap otherwise). Checked when the bootstrap
 * is read, so the error names the listener or cluster instead of failing at startup.
 */
import type { ClusterConfig } from '../config/cluster';
import type { ListenerConfig } from '../config/listener';
import type { SecretConfig } from './secret';
import type { CommonTlsConfig } from './tls-context';

function staticNames(common: CommonTlsConfig): string[] {
  const out: string[] = [];
  for (const ref of [common.certificate, common.validation]) {
    if (ref?.kind === 'sds' && !ref.source) out.push(ref.name);
  }
  return out;
}

/** `[where, secret name]` for every static reference to a secret that is not defined. */
export function missingStaticSecrets(
  listeners: readonly ListenerConfig[],
  clusters: readonly ClusterConfig[],
  secrets: readonly SecretConfig[],
): Array<[string, string]> {
  const defined = new Set(secrets.map((s) => s.name));
  const out: Array<[string, string]> = [];
  for (const l of listeners) {
    for (const c of [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])]) {
      if (!c.tls) continue;
      for (const n of staticNames(c.tls.common)) {
        if (!defined.has(n)) out.push([`listener "${l.name}" filter chain "${c.name}"`, n]);
      }
    }
  }
  for (const c of clusters) {
    if (!c.tls) continue;
    for (const n of staticNames(c.tls.common)) if (!defined.has(n)) out.push([`cluster "${c.name}"`, n]);
  }
  return out;
}
