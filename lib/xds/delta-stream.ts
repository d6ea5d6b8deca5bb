/**
 * One incremental (delta) xDS stream: the client subscribes and unsubscribes by name (LDS and
 * CDS may be wildcard), says what it already has on reconnect (`initial_resource_versions`),
 * and is sent only resources whose version changed plus the names that went away. ACK/NACK
 * rules as state of the world: a stale nonce is ignored, a NACK is recorded and nothing it
 * rejected is resent until it changes.
 */
import type { EnvoyResource, Snapshot } from '../compiler/snapshot';
import { contentHash } from '../compiler/snapshot';
import type { ClientStatus, Transport, TypeState } from './client-status';
import { CONTROL_PLANE, DiscoveryStream, type RequestEnvelope } from './discovery-stream';
import type { NodeKey } from './node';
import { isWildcardType, resourceMap, resourceVersion } from './resources';
import type { SnapshotCache } from './snapshot-cache';

export interface DeltaDiscoveryRequest extends RequestEnvelope {
  readonly resource_names_subscribe?: readonly string[];
  readonly resource_names_unsubscribe?: readonly string[];
  readonly initial_resource_versions?: Readonly<Record<string, string>>;
}

export interface DeltaResource {
  readonly name: string;
  readonly version: string;
  readonly resource: EnvoyResource;
}

export interface DeltaDiscoveryResponse {
  readonly system_version_info: string;
  readonly resources: readonly DeltaResource[];
  readonly type_url: string;
  readonly removed_resources: readonly string[];
  readonly nonce: string;
  readonly control_plane: { readonly identifier: string };
}

/** Marks a name the client was told does not exist, so it is told once. */
const ABSENT = '';

interface DeltaType {
  readonly state: TypeState;
  wildcard: boolean;
  readonly subscribed: Set<string>;
  /** What the client has (as far as this server sent it): name → version, or ABSENT. */
  readonly known: Map<string, string>;
  started: boolean;
}

export class DeltaStream extends DiscoveryStream<DeltaType> {
  constructor(
    cache: SnapshotCache,
    status: ClientStatus,
    nodeKey: NodeKey,
    private readonly send: (response: DeltaDiscoveryResponse) => void,
    transport: Transport,
    onlyType?: string,
  ) {
    super(cache, status, nodeKey, transport, onlyType);
  }

  protected newType(state: TypeState): DeltaType {
    return { state, wildcard: false, subscribed: new Set(), known: new Map(), started: false };
  }

  handle(req: DeltaDiscoveryRequest): void {
    const found = this.typeOf(req);
    if (!found) return;
    const { typeUrl, t, first } = found;
    // A stale nonce's ACK is void, but subscription changes in it still stand (the xDS spec).
    this.verdict(req, t);
    this.subscribe(typeUrl, t, req, first);
    this.respond(typeUrl, t);
  }

  private subscribe(typeUrl: string, t: DeltaType, req: DeltaDiscoveryRequest, first: boolean): void {
    const sub = req.resource_names_subscribe ?? [];
    const unsub = req.resource_names_unsubscribe ?? [];
    // The first request of a wildcard type with no names is a wildcard subscription.
    if (first && sub.length === 0 && isWildcardType(typeUrl)) t.wildcard = true;
    for (const n of sub) {
      if (n === '*') t.wildcard = true;
      else t.subscribed.add(n);
    }
    for (const n of unsub) {
      if (n === '*') t.wildcard = false;
      else {
        t.subscribed.delete(n);
        t.known.delete(n);
      }
    }
    if (first) for (const [n, v] of Object.entries(req.initial_resource_versions ?? {})) t.known.set(n, v);
    t.state.names = t.wildcard ? '*' : [...t.subscribed].sort();
  }

  protected push(snapshot: Snapshot): void {
    for (const [typeUrl, t] of this.typesInPushOrder()) this.respond(typeUrl, t, snapshot);
  }

  private respond(typeUrl: string, t: DeltaType, snapshot = this.snapshot()): void {
    if (!snapshot) return;
    const all = resourceMap(snapshot, typeUrl);
    const wanted = t.wildcard ? new Set([...all.keys(), ...t.subscribed]) : t.subscribed;
    const resources: DeltaResource[] = [];
    const removed: string[] = [];
    for (const name of [...wanted].sort()) {
      const r = all.get(name);
      if (r) {
        const version = resourceVersion(r);
        if (t.known.get(name) !== version) resources.push({ name, version, resource: r });
      } else if (t.known.get(name) !== ABSENT && (t.known.has(name) || t.subscribed.has(name))) {
        removed.push(name);
      }
    }
    // A wildcard client also learns of resources it has that the snapshot no longer holds.
    if (t.wildcard)
      for (const name of t.known.keys()) if (!wanted.has(name) && t.known.get(name) !== ABSENT) removed.push(name);
    // The first answer of a subscription is sent even when empty: the client is waiting for it.
    if (resources.length === 0 && removed.length === 0 && t.started) return;
    t.started = true;
    for (const r of resources) t.known.set(r.name, r.version);
    for (const n of removed) {
      if (t.subscribed.has(n)) t.known.set(n, ABSENT);
      else t.known.delete(n);
    }
    const version = contentHash([...t.known.entries()].sort());
    const nonce = this.sending(t, version);
    this.send({
      system_version_info: version,
      resources,
      type_url: typeUrl,
      removed_resources: removed.sort(),
      nonce,
      control_plane: CONTROL_PLANE,
    });
  }
}
