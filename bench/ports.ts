/**
 * Ports on 127.0.0.1 for servers that cannot report the port they bound (nginx and HAProxy take
 * one in their config): the kernel picks a free one; the tiny window before the server binds it
 * is acceptable for a benchmark. `waitForPort` tells when a server accepts connections.
 */
import net, { type AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, what: string, alive: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await connects(port))) {
    if (!alive()) throw new Error(`${what} exited before listening on 127.0.0.1:${port}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
