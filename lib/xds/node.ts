/**
 * The xDS node (Envoy's `config.core.v3.Node`) as the control plane sees it, and which
 * snapshot it is served: a proxy's node id is its proxy name (`catalog/v1`, `ingress`);
 * proxyless gRPC clients get the mesh's proxyless snapshot instead.
 */

export interface XdsNode {
  readonly id?: string;
  readonly cluster?: string;
  readonly metadata?: Record<string, unknown>;
  readonly user_agent_name?: string;
  readonly user_agent_version?: string;
  readonly client_features?: readonly string[];
  readonly locality?: Record<string, unknown>;
}

/** Maps a node to the key its snapshot is stored under (go-control-plane's `NodeHash`). */
export type NodeKey = (node: XdsNode) => string;

/** The snapshot key for proxyless gRPC clients that name no calling version. */
export const PROXYLESS_KEY = 'proxyless';

/** `proxyless/<service>/<version>`: a client that calls as that version sees only its backends. */
export function proxylessKey(caller?: string): string {
  return caller ? `${PROXYLESS_KEY}/${caller}` : PROXYLESS_KEY;
}

/** The caller a proxyless key names, if any. */
export function proxylessCaller(key: string): string | undefined {
  return key.startsWith(`${PROXYLESS_KEY}/`) ? key.slice(PROXYLESS_KEY.length + 1) : undefined;
}

/**
 * gRPC's xDS clients say who they are: `user_agent_name` is `gRPC Node Pure JS`, `gRPC C++`,
 * `gRPC Go`…, and they announce `envoy.lb.does_not_support_overprovisioning`. A node may
 * also opt in with metadata `trellis.proxyless: true`.
 */
export function isProxylessGrpc(node: XdsNode): boolean {
  if (node.metadata?.['trellis.proxyless'] === true || node.metadata?.['trellis.proxyless'] === 'true') return true;
  if (/^grpc\b/i.test(node.user_agent_name ?? '')) return true;
  return (node.client_features ?? []).includes('envoy.lb.does_not_support_overprovisioning');
}

/**
 * Trellis' default: proxies by node id; proxyless clients by the version they call as
 * (metadata `trellis.service` + `trellis.version`), or the whole mesh.
 */
export const defaultNodeKey: NodeKey = (node) => {
  if (isProxylessGrpc(node)) {
    const service = node.metadata?.['trellis.service'];
    const version = node.metadata?.['trellis.version'];
    return proxylessKey(
      typeof service === 'string' && typeof version === 'string' ? `${service}/${version}` : undefined,
    );
  }
  return node.id ?? '';
};
