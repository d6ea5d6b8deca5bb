/**
 * The xDS subscription contract (Envoy's Config::Subscription): a source delivers the state of
 * the world for one resource type; the subscriber validates and applies it, or throws to reject
 * it. A rejected update is NACKed (gRPC), reported in the next poll (REST) or logged (file), and
 * the subscriber keeps its last good state. Sources: files, REST polling, gRPC (ADS or per type);
 * another (an S3 object, for instance) only needs to implement `Subscription`.
 */
import type { Json } from '../config/fields';

export interface SubscriptionCallbacks {
  /**
   * Resources as proto3 JSON, each with its `"@type"`. For LDS and CDS this is every resource;
   * for RDS and EDS it may be a subset of the names asked for. Throw to reject the update.
   */
  onUpdate(resources: readonly Json[], version: string): void;
  /**
   * The source could not be reached (`rejected` false), or what it sent could not even be read
   * as a DiscoveryResponse (`rejected` true: counted as a rejected update).
   */
  onFailure(reason: string, rejected: boolean): void;
}

export interface Subscription {
  /** Starts delivering; `names` empty means every resource (wildcard). */
  start(names: readonly string[]): void;
  /** RDS/EDS: the set of names wanted changed. */
  updateNames(names: readonly string[]): void;
  stop(): void;
}

/** `name` of a resource, for the types that have one (Listener, Cluster, RouteConfiguration…). */
export function resourceName(r: Json): string {
  const n = r.name ?? r.cluster_name ?? r.clusterName;
  return typeof n === 'string' ? n : '';
}
