/**
 * Envoy's `envoy.filters.listener.tls_inspector`, reduced to what filter chain matching needs:
 * whether the connection starts with a TLS handshake record (0x16) or plaintext. The peeked bytes
 * are put back, so the chain's TLS socket or HTTP codec reads them as if nothing happened. A
 * connection that sends nothing is closed after the inspector's timeout, as Envoy's
 * `listener_filters_timeout` (15 s) does.
 */
import type { Socket } from 'node:net';

const TIMEOUT_MS = 15_000;
const TLS_HANDSHAKE_RECORD = 0x16;

export function inspectTransport(socket: Socket, done: (transportProtocol: 'tls' | 'raw_buffer') => void): void {
  const timer = setTimeout(() => socket.destroy(), TIMEOUT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('data', (chunk: Buffer) => {
    clearTimeout(timer);
    socket.pause();
    socket.unshift(chunk);
    done(chunk[0] === TLS_HANDSHAKE_RECORD ? 'tls' : 'raw_buffer');
  });
}
