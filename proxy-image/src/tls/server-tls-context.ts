/**
 * The downstream side of `envoy.transport_sockets.tls`: wraps an accepted connection in TLS with
 * the current certificate, asks for (or requires) a client certificate, and checks it. A refused
 * handshake is counted under `listener.<prefix>.ssl.*`, logged, and the connection closed; the
 * caller gets the TLS socket and the peer's identity otherwise.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { log } from '../log';
import { ContextMaterial } from './context-material';
import { type PeerIdentity, verifyPeer } from './peer-verifier';
import type { SslStats } from './ssl-stats';
import type { DownstreamTlsConfig } from './tls-context';

export interface Handshaken {
  readonly socket: TLSSocket;
  readonly peer: PeerIdentity;
}

export class ServerTlsContext {
  private readonly material: ContextMaterial;

  constructor(readonly config: DownstreamTlsConfig) {
    this.material = new ContextMaterial(config.common);
  }

  get ready(): Promise<void> {
    return this.material.ready;
  }

  stop(): void {
    this.material.stop();
  }

  /** Runs the handshake; resolves undefined when the peer was refused (already counted and closed). */
  handshake(socket: Socket, stats: SslStats, where: string): Promise<Handshaken | undefined> {
    const current = this.material.current();
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    if (!current) {
      stats.connection_error.inc();
      log.warn(`${where}: TLS connection from ${remote} refused: certificate secrets not available yet`);
      socket.destroy();
      return Promise.resolve(undefined);
    }
    const alpn = this.config.common.alpn;
    const tls = new TLSSocket(socket, {
      isServer: true,
      secureContext: current.ctx,
      requestCert: this.material.validates,
      rejectUnauthorized: false,
      ALPNProtocols: alpn.length ? [...alpn] : undefined,
    });
    return new Promise((resolve) => {
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        log.warn(`${where}: TLS connection from ${remote} refused: ${reason}`);
        tls.destroy();
        socket.destroy();
        resolve(undefined);
      };
      // A peer that never finishes the handshake holds a socket: bounded like slowloris.
      const timer = setTimeout(() => {
        stats.connection_error.inc();
        fail('handshake timed out');
      }, this.config.handshakeTimeoutMs);
      timer.unref();
      tls.once('error', (e) => {
        stats.connection_error.inc();
        fail(e.message);
      });
      tls.once('secure', () => {
        if (settled) return;
        const v = verifyPeer(
          tls,
          {
            validate: this.material.validates,
            requireCert: this.config.requireClientCertificate,
            sanMatchers: current.sans,
            anchors: current.anchors,
          },
          stats,
        );
        if (!v.ok) {
          stats.connection_error.inc();
          fail(v.reason);
          return;
        }
        settled = true;
        clearTimeout(timer);
        tls.removeAllListeners('error');
        tls.on('error', () => {});
        stats.handshake.inc();
        resolve({ socket: tls, peer: v.peer });
      });
    });
  }
}
