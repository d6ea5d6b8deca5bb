/** Envoy's `config.core.v3.Node`: who this proxy is, as the control plane sees it. */
import type { Fields, Json } from './fields';

export interface NodeInfo {
  readonly id: string;
  readonly cluster: string;
  /** The JSON sent in xDS requests (with this proxy's user agent filled in). */
  readonly json: Json;
}

export const USER_AGENT_NAME = 'trellis-proxy';

export function parseNode(
  f: Fields | undefined,
  overrides: { id?: string; cluster?: string; zone?: string },
): NodeInfo {
  const raw: Json = f ? { ...f.raw } : {};
  f?.accept(...Object.keys(raw));
  if (overrides.id) raw.id = overrides.id;
  if (overrides.cluster) raw.cluster = overrides.cluster;
  if (overrides.zone) raw.locality = { ...((raw.locality as Json) ?? {}), zone: overrides.zone };
  raw.user_agent_name = USER_AGENT_NAME;
  delete raw.userAgentName;
  return { id: String(raw.id ?? ''), cluster: String(raw.cluster ?? ''), json: raw };
}
