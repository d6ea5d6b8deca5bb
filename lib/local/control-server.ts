/**
 * The control plane's HTTP side, one port on loopback: the dashboard, the registry's API,
 * Envoy's REST-JSON discovery (`POST /v3/discovery:*`) and a health endpoint.
 */
import http from 'node:http';
import { handleDashboardRequest } from '../dashboard/dashboard-server';
import type { DashboardState } from '../dashboard/dashboard-state';
import { handleRegistryRequest } from '../registry/registry-http';
import type { ControlPlane } from './control-plane';
import { LOOPBACK } from './port-allocator';

export class ControlServer {
  private server: http.Server | undefined;

  constructor(
    private readonly plane: ControlPlane,
    private readonly state: () => DashboardState | undefined,
  ) {}

  listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.dispatch(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new Error(`control plane: cannot listen on ${LOOPBACK}:${port}: ${e.code ?? e.message}`)),
      );
      server.listen(port, LOOPBACK, () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((resolve) => s.close(() => resolve()));
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
        return;
      }
      if (await handleRegistryRequest(this.plane.registry, req, res)) return;
      if (this.plane.xds.rest.handle(req, res)) return;
      if (handleDashboardRequest(req, res, this.state)) return;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${req.url}\n`);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${(e as Error).message}\n`);
    }
  }
}
