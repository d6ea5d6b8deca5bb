/**
 * One accepted downstream connection: its addresses, the streams in flight on it, and how to
 * drain it (set by whoever speaks its protocol: Connection: close for HTTP/1, GOAWAY for HTTP/2).
 */
import type { Socket } from 'node:net';
import { unmapIpv4 } from '../http/internal-address';
import type { PeerIdentity } from '../tls/peer-verifier';

let nextId = 0;

export class DownstreamConnection {
  readonly id = ++nextId;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  draining = false;
  activeStreams = 0;
  /** `tls` or `raw_buffer`, when the listener's TLS inspector looked; '' otherwise. */
  transportProtocol = '';
  /** The verified TLS peer (after the chain's handshake); undefined on plaintext. */
  peer: PeerIdentity | undefined;
  /** The listener's stat prefix, for `listener.<prefix>.ssl.*`. */
  listenerStatPrefix = '';
  /**
   * Set by the protocol handler: start a graceful close. `soon`: idle HTTP/1 connections close
   * now (shutdown) rather than after the connection manager's drain_timeout (config update).
   */
  onDrain: ((soon: boolean) => void) | undefined;
  private soon = false;

  /** The connection's byte stream: the TCP socket, or the TLS socket over it after a handshake. */
  constructor(public socket: Socket) {
    this.remoteAddress = unmapIpv4(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = unmapIpv4(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
  }

  drain(soon = false): void {
    if (this.draining && (this.soon || !soon)) return;
    this.draining = true;
    this.soon = soon;
    this.onDrain?.(soon);
  }

  get drainSoon(): boolean {
    return this.soon;
  }

  /** Closes now (end of the drain time). */
  destroy(): void {
    this.socket.destroy();
  }
}
