/**
 * One state-of-the-world xDS stream (ADS, or one type's StreamClusters/StreamListeners/…),
 * independent of the transport: requests in, responses out. The xDS protocol's rules:
 * - a request whose `response_nonce` is not the last one sent for its type is stale: ignored;
 * - a request with `error_detail` NACKs the last response: recorded, never taken as accepted,
 *   and that version is not sent again; the next change is;
 * - otherwise it ACKs the last response, and a change of `resource_names` is answered at once;
 * - a new snapshot is pushed to every subscribed type whose resources changed, clusters and
 *   endpoints before listeners and routes (make before break).
 */
import type { Snapshot } from '../compiler/snapshot';
import type { ClientStatus, Transport, TypeState } from './client-status';
import { CONTROL_PLANE, DiscoveryStream, type RequestEnvelope } from './discovery-stream';
import type { NodeKey } from './node';
import {
  describeSubscription,
  type Subscription,
  sameSubscription,
  selectResources,
  subscriptionOf,
} from './resources';
import type { SnapshotCache } from './snapshot-cache';

export interface DiscoveryRequest extends RequestEnvelope {
  readonly version_info?: string;
  readonly resource_names?: readonly string[];
}

export interface DiscoveryResponse {
  readonly version_info: string;
  readonly resources: readonly Record<string, unknown>[];
  readonly type_url: string;
  readonly nonce: string;
  readonly control_plane: { readonly identifier: string };
}

interface SotwType {
  readonly state: TypeState;
  subscription?: Subscription;
  /** What the last response covered, to tell a subscription change from an ACK. */
  sentSubscription?: Subscription;
  /** The version the client NACKed, so it is not sent again as if nothing happened. */
  nackedVersion?: string;
}

export class SotwStream extends DiscoveryStream<SotwType> {
  constructor(
    cache: SnapshotCache,
    status: ClientStatus,
    nodeKey: NodeKey,
    private readonly send: (response: DiscoveryResponse) => void,
    transport: Transport,
    onlyType?: string,
  ) {
    super(cache, status, nodeKey, transport, onlyType);
  }

  protected newType(state: TypeState): SotwType {
    return { state };
  }

  handle(req: DiscoveryRequest): void {
    const found = this.typeOf(req);
    if (!found) return;
    const { typeUrl, t } = found;
    const verdict = this.verdict(req, t);
    if (verdict === 'stale') return;
    if (verdict === 'nack') t.nackedVersion = t.state.sentVersion;
    if (verdict === 'ack') t.nackedVersion = undefined;
    t.subscription = subscriptionOf(typeUrl, req.resource_names);
    t.state.names = describeSubscription(t.subscription);
    this.respond(typeUrl, t, verdict === 'initial');
  }

  protected push(snapshot: Snapshot): void {
    for (const [typeUrl, t] of this.typesInPushOrder()) if (t.subscription) this.respond(typeUrl, t, false, snapshot);
  }

  private respond(typeUrl: string, t: SotwType, initial: boolean, snapshot = this.snapshot()): void {
    if (!snapshot || !t.subscription) return;
    // An empty named subscription (no EDS clusters, say) is answered by nothing.
    if (t.subscription !== '*' && t.subscription.size === 0) return;
    const { resources, version } = selectResources(snapshot, typeUrl, t.subscription);
    const namesChanged = !sameSubscription(t.sentSubscription, t.subscription);
    if (!initial && !namesChanged && (version === t.state.sentVersion || version === t.nackedVersion)) return;
    t.sentSubscription = t.subscription;
    const nonce = this.sending(t, version);
    this.send({ version_info: version, resources, type_url: typeUrl, nonce, control_plane: CONTROL_PLANE });
  }
}
