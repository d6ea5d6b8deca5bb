/**
 * What each xDS client has been sent and what it said back, per stream and type: the last
 * version and nonce sent, the last version ACKed, and the last NACK with its error_detail.
 * A NACK is recorded and never counted as accepted. The per-node view uses CSDS's words
 * (`ClientConfigStatus`: REQUESTED, ACKED, NACKED) so it reads like Envoy's own tooling.
 */
import { EventEmitter } from 'node:events';
import type { XdsNode } from './node';

export type Transport = 'ads' | 'sotw' | 'delta-ads' | 'delta' | 'rest';
export type ConfigStatus = 'REQUESTED' | 'ACKED' | 'NACKED';

export interface Nack {
  readonly version: string;
  readonly nonce: string;
  readonly message: string;
  readonly code: number;
  readonly at: number;
}

export interface TypeState {
  readonly typeUrl: string;
  names: readonly string[] | '*';
  sentVersion?: string;
  sentNonce?: string;
  sentAt?: number;
  ackedVersion?: string;
  ackedAt?: number;
  /** The last NACK; cleared by a later ACK. */
  nack?: Nack;
  /** Every NACK this stream saw for the type. */
  nacks: number;
}

export interface StreamState {
  readonly id: number;
  readonly transport: Transport;
  node?: XdsNode;
  key?: string;
  readonly openedAt: number;
  closedAt?: number;
  lastSeen: number;
  readonly types: Map<string, TypeState>;
}

export interface TypeStatus {
  readonly typeUrl: string;
  readonly status: ConfigStatus;
  readonly names: readonly string[] | '*';
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  readonly nack?: Nack;
  readonly nacks: number;
}

export interface NodeStatus {
  readonly id: string;
  readonly key: string;
  readonly userAgent?: string;
  readonly transport: Transport;
  readonly connected: boolean;
  readonly lastSeen: number;
  readonly types: readonly TypeStatus[];
}

export interface AckEvent {
  readonly stream: number;
  readonly node: string;
  readonly key: string;
  readonly typeUrl: string;
  readonly version: string;
}
export interface NackEvent extends AckEvent {
  readonly message: string;
}

/** How many closed streams' last state to remember for the dashboard. */
const CLOSED_MEMORY = 256;

/**
 * Emits `ack` (AckEvent), `nack` (NackEvent), `sent` (AckEvent) and `change` as clients talk;
 * `nodes()` is the view the dashboard shows.
 */
export class ClientStatus extends EventEmitter {
  private readonly streams = new Map<number, StreamState>();
  private nextId = 1;

  open(transport: Transport): StreamState {
    const now = Date.now();
    const s: StreamState = { id: this.nextId++, transport, openedAt: now, lastSeen: now, types: new Map() };
    this.streams.set(s.id, s);
    this.emit('change');
    return s;
  }

  close(s: StreamState): void {
    s.closedAt = Date.now();
    const closed = [...this.streams.values()].filter((x) => x.closedAt !== undefined);
    for (const old of closed.slice(0, Math.max(0, closed.length - CLOSED_MEMORY))) this.streams.delete(old.id);
    this.emit('change');
  }

  type(s: StreamState, typeUrl: string): TypeState {
    let t = s.types.get(typeUrl);
    if (!t) s.types.set(typeUrl, (t = { typeUrl, names: [], nacks: 0 }));
    return t;
  }

  sent(s: StreamState, t: TypeState, version: string, nonce: string): void {
    t.sentVersion = version;
    t.sentNonce = nonce;
    t.sentAt = Date.now();
    this.emit('sent', this.event(s, t, version));
    this.emit('change');
  }

  acked(s: StreamState, t: TypeState, version: string): void {
    s.lastSeen = Date.now();
    t.ackedVersion = version;
    t.ackedAt = s.lastSeen;
    t.nack = undefined;
    this.emit('ack', this.event(s, t, version));
    this.emit('change');
  }

  nacked(s: StreamState, t: TypeState, version: string, detail: { code?: number; message?: string }): void {
    s.lastSeen = Date.now();
    t.nack = {
      version,
      nonce: t.sentNonce ?? '',
      message: detail.message ?? '',
      code: detail.code ?? 0,
      at: s.lastSeen,
    };
    t.nacks++;
    this.emit('nack', { ...this.event(s, t, version), message: t.nack.message });
    this.emit('change');
  }

  private event(s: StreamState, t: TypeState, version: string): AckEvent {
    return { stream: s.id, node: s.node?.id ?? '', key: s.key ?? '', typeUrl: t.typeUrl, version };
  }

  /** Streams, open and recently closed. */
  streamStates(): readonly StreamState[] {
    return [...this.streams.values()];
  }

  /** One entry per node id: its most recent stream, open ones first. */
  nodes(): NodeStatus[] {
    const latest = new Map<string, StreamState>();
    for (const s of this.streams.values()) {
      const id = s.node?.id;
      if (id === undefined) continue;
      const prev = latest.get(id);
      const better =
        !prev ||
        (prev.closedAt !== undefined && s.closedAt === undefined) ||
        ((prev.closedAt === undefined) === (s.closedAt === undefined) && s.openedAt >= prev.openedAt);
      if (better) latest.set(id, s);
    }
    return [...latest.values()]
      .map((s) => ({
        id: s.node?.id ?? '',
        key: s.key ?? '',
        userAgent: s.node?.user_agent_name,
        transport: s.transport,
        connected: s.closedAt === undefined,
        lastSeen: s.lastSeen,
        types: [...s.types.values()].map(typeStatus).sort((a, b) => (a.typeUrl < b.typeUrl ? -1 : 1)),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function typeStatus(t: TypeState): TypeStatus {
  // A NACK stands until a newer version is sent; the client keeps its last good config meanwhile.
  const status: ConfigStatus =
    t.nack && t.nack.version === t.sentVersion
      ? 'NACKED'
      : t.ackedVersion !== undefined && t.ackedVersion === t.sentVersion
        ? 'ACKED'
        : 'REQUESTED';
  return {
    typeUrl: t.typeUrl,
    status,
    names: t.names,
    sentVersion: t.sentVersion,
    ackedVersion: t.ackedVersion,
    nack: t.nack,
    nacks: t.nacks,
  };
}
