// The xDS server: snapshot cache, state-of-the-world, delta and REST discovery. See README.md.
export {
  type AckEvent,
  ClientStatus,
  type ConfigStatus,
  type NackEvent,
  type NodeStatus,
  type TypeStatus,
} from './client-status';
export { type DeletionGuardOptions, massDeletion } from './deletion-guard';
export type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './delta-stream';
export {
  defaultNodeKey,
  isProxylessGrpc,
  type NodeKey,
  PROXYLESS_KEY,
  proxylessCaller,
  proxylessKey,
  type XdsNode,
} from './node';
export { RestDiscovery } from './rest-discovery';
export {
  type SetSnapshotsOptions,
  SnapshotCache,
  type SnapshotCacheOptions,
  SnapshotRejectedError,
} from './snapshot-cache';
export type { DiscoveryRequest, DiscoveryResponse } from './sotw-stream';
export { XdsServer, type XdsServerOptions } from './xds-server';
