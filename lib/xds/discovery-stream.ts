/**
 * What every streaming xDS server shares, state of the world or delta: the stream's status
 * record, binding the node (it arrives with the first request) to its snapshot key and a
 * cache watch, which type a request is about, and the ACK/NACK bookkeeping of a nonce.
 */
import type { Snapshot } from '../compiler/snapshot';
import { RESOURCE_TYPE_URLS } from '../envoy/type-urls';
import type { ClientStatus, StreamState, Transport, TypeState } from './client-status';
import type { NodeKey, XdsNode } from './node';
import type { SnapshotCache } from './snapshot-cache';

export const CONTROL_PLANE = { identifier: 'trellis' };

/** Push order: warm clusters and their endpoints before anything refers to them (make before break). */
export const PUSH_ORDER: readonly string[] = Object.values(RESOURCE_TYPE_URLS);

export interface RequestEnvelope {
  readonly node?: XdsNode;
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: { readonly code?: number; readonly message?: string };
}

export type NonceVerdict = 'initial' | 'stale' | 'ack' | 'nack';

export abstract class DiscoveryStream<T extends { readonly state: TypeState }> {
  protected readonly stream: StreamState;
  protected readonly types = new Map<string, T>();
  private unwatch: (() => void) | undefined;
  private nonce = 0;
  protected closed = false;

  constructor(
    protected readonly cache: SnapshotCache,
    protected readonly status: ClientStatus,
    private readonly nodeKey: NodeKey,
    transport: Transport,
    /** Per-type services accept only their own type. */
    private readonly onlyType?: string,
  ) {
    this.stream = status.open(transport);
  }

  get state(): StreamState {
    return this.stream;
  }

  /** A new snapshot for this node: update every type the client subscribed to. */
  protected abstract push(snapshot: Snapshot): void;
  protected abstract newType(state: TypeState): T;

  /** The type a request is about (created on first sight), or undefined when it is to be ignored. */
  protected typeOf(req: RequestEnvelope): { typeUrl: string; t: T; first: boolean } | undefined {
    if (this.closed) return undefined;
    this.stream.lastSeen = Date.now();
    if (!this.stream.node && req.node) this.bind(req.node);
    const typeUrl = req.type_url || this.onlyType;
    if (!typeUrl || (this.onlyType && typeUrl !== this.onlyType) || !this.stream.node) return undefined;
    let t = this.types.get(typeUrl);
    const first = !t;
    if (!t) this.types.set(typeUrl, (t = this.newType(this.status.type(this.stream, typeUrl))));
    return { typeUrl, t, first };
  }

  /**
   * A request's `response_nonce` decides what it means: none starts a subscription; one that is
   * not the last sent for its type is stale; otherwise it ACKs or (with `error_detail`) NACKs
   * the last response, recorded as such and never taken as accepted.
   */
  protected verdict(req: RequestEnvelope, t: T): NonceVerdict {
    const nonce = req.response_nonce ?? '';
    if (!nonce) return 'initial';
    if (nonce !== t.state.sentNonce) return 'stale';
    if (req.error_detail) {
      this.status.nacked(this.stream, t.state, t.state.sentVersion ?? '', req.error_detail);
      return 'nack';
    }
    this.status.acked(this.stream, t.state, t.state.sentVersion ?? '');
    return 'ack';
  }

  /** Records a response about to be sent; returns its nonce. */
  protected sending(t: T, version: string): string {
    const nonce = String(++this.nonce);
    this.status.sent(this.stream, t.state, version, nonce);
    return nonce;
  }

  protected snapshot(): Snapshot | undefined {
    return this.stream.key === undefined ? undefined : this.cache.getSnapshot(this.stream.key);
  }

  /** Subscribed types in push order. */
  protected typesInPushOrder(): [string, T][] {
    const order = new Set([...PUSH_ORDER, ...this.types.keys()]);
    return [...order].filter((u) => this.types.has(u)).map((u) => [u, this.types.get(u)!]);
  }

  private bind(node: XdsNode): void {
    this.stream.node = node;
    const key = this.nodeKey(node);
    this.stream.key = key;
    this.unwatch = this.cache.watch(key, (snapshot) => {
      if (!this.closed && snapshot) this.push(snapshot);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    this.status.close(this.stream);
  }
}
