/**
 * The upstream side of `envoy.transport_sockets.tls`: opens TLS connections to a cluster's hosts
 * with the current certificate, offers the cluster's ALPN, and checks the server against the
 * trusted CA and the SAN it must have (the target's SPIFFE ID). Refusals are counted under
 * `cluster.<name>.ssl.*` and logged, and surface to the pool as connect failures.
 */
import { Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { log } from '../log';
import { ContextMaterial } from './context-material';
import { type PeerIdentity, verifyPeer } from './peer-verifier';
import type { SslStats } from './ssl-stats';
import type { UpstreamTlsConfig } from './tls-context';

export class TlsConnectError extends Error {
  constructor(
    message: string,
    readonly code = 'UPSTREAM_TLS_ERROR',
  ) {
    super(message);
  }
}

export class ClientTlsContext {
  private readonly material: ContextMaterial;

  constructor(
    readonly config: UpstreamTlsConfig,
    private readonly stats: SslStats,
    private readonly where: string,
  ) {
    this.material = new ContextMaterial(config.common);
  }

  get ready(): Promise<void> {
    return this.material.ready;
  }

  stop(): void {
    this.material.stop();
  }

  /** ALPN to offer: the cluster's, else what its protocol speaks. */
  alpnFor(protocol: 'http1' | 'http2'): string[] {
    const a = this.config.common.alpn;
    return a.length ? [...a] : [protocol === 'http2' ? 'h2' : 'http/1.1'];
  }

  /** Connects and verifies; the callback gets the verified socket or the reason it was refused. */
  connect(
    host: string,
    port: number,
    protocol: 'http1' | 'http2',
    cb: (err: Error | null, socket?: TLSSocket, peer?: PeerIdentity) => void,
  ): TLSSocket | Socket {
    const current = this.material.current();
    if (!current) {
      this.stats.connection_error.inc();
      const err = new TlsConnectError(`${this.where}: TLS secrets not available yet`);
      // Callers that need a socket (HTTP/2 createConnection) get one that fails at once.
      const dead = new Socket();
      dead.on('error', () => {});
      process.nextTick(() => dead.destroy(err));
      cb(err);
      return dead;
    }
    const sock = connect({
      host,
      port,
      servername: this.config.sni ?? (/^[\d.:]+$/.test(host) ? undefined : host),
      secureContext: current.ctx,
      ALPNProtocols: this.alpnFor(protocol),
      rejectUnauthorized: false,
      // Envoy checks the configured SAN matchers, not the host name: so does verifyPeer.
      checkServerIdentity: () => undefined,
    });
    sock.setNoDelay(true);
    let done = false;
    sock.once('error', (e) => {
      if (done) return;
      done = true;
      this.stats.connection_error.inc();
      cb(e);
    });
    sock.once('secureConnect', () => {
      if (done) return;
      const v = verifyPeer(
        sock,
        { validate: this.material.validates, requireCert: true, sanMatchers: current.sans, anchors: current.anchors },
        this.stats,
      );
      if (!v.ok) {
        done = true;
        this.stats.connection_error.inc();
        log.warn(`${this.where}: TLS connection to ${host}:${port} refused: ${v.reason}`);
        sock.destroy();
        cb(new TlsConnectError(v.reason));
        return;
      }
      done = true;
      this.stats.handshake.inc();
      cb(null, sock, v.peer);
    });
    return sock;
  }
}
