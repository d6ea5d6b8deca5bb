/**
 * What a proxy in a task stands for: a service version's sidecar or a gateway. Its name is its
 * xDS node id and picks its snapshots in the bucket (`snapshots/sidecars/<service>/<version>/`
 * or `snapshots/gateways/<gateway>/`), which is all its task role may read.
 */
import { proxyPrefix } from '../snapshot-store/keys';

export interface IProxyTarget {
  /** The proxy's name: `<service>/<version>` for a sidecar, the gateway's name for a gateway. */
  readonly proxyName: string;
  readonly kind: 'sidecar' | 'gateway';
  /**
   * Ports the proxy accepts traffic on inside the task: a sidecar's ingress ports (15000, 15002, …,
   * one per listener), a gateway's listener ports.
   */
  readonly proxyPorts: readonly number[];
  /** The Cloud Map service the sidecar's task registers in; none for a gateway. */
  readonly cloudMapServiceName?: string;
}

/** The key prefix of a proxy's snapshots, for IAM. */
export function snapshotPrefixOf(target: IProxyTarget): string {
  return proxyPrefix(target.proxyName);
}
