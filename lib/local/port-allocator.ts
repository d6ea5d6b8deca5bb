/**
 * Ports for a mesh on one machine: every proxy listener, admin endpoint and application
 * needs its own. Ephemeral mode asks the kernel for a free port (bind 0, close); `--port-base`
 * hands out consecutive ports from a base, skipping any already in use. A port is never
 * handed out twice in one run.
 */
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function ephemeralPort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class PortAllocator {
  private readonly given = new Set<number>();
  private next: number;

  /** @param base first port to hand out; undefined asks the kernel for each one */
  constructor(private readonly base?: number) {
    this.next = base ?? 0;
  }

  async take(): Promise<number> {
    for (let tries = 0; tries < 1000; tries++) {
      const port = this.base === undefined ? await ephemeralPort() : this.next++;
      if (port > 65535) break;
      if (this.given.has(port)) continue;
      if (this.base !== undefined && !(await isPortFree(port))) continue;
      this.given.add(port);
      return port;
    }
    throw new Error(`no free port left${this.base === undefined ? '' : ` from --port-base ${this.base}`}`);
  }

  /** `wanted` when it is free and not given yet; another port otherwise. */
  async prefer(wanted: number): Promise<number> {
    if (!this.given.has(wanted) && (await isPortFree(wanted))) {
      this.given.add(wanted);
      return wanted;
    }
    return this.take();
  }
}
