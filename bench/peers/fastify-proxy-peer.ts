/**
 * The `@fastify/http-proxy` peer: Fastify with the plugin's documented setup, every path to one
 * upstream (through undici, keep-alive). `h2` makes Fastify serve h2c with prior knowledge.
 * Run as a bundle by bench/targets/node-peers.ts: `node peer.js <port> <upstream port> [h2]`.
 */
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [portArg, upstreamArg, mode] = process.argv.slice(2);
const upstream = `http://127.0.0.1:${Number(upstreamArg)}`;
const listen = { port: Number(portArg), host: '127.0.0.1' };

// Two branches: Fastify's HTTP/1 and HTTP/2 instances have incompatible register() types.
async function start(): Promise<() => Promise<void>> {
  if (mode === 'h2') {
    const app = Fastify({ http2: true });
    app.register(proxy, { upstream });
    await app.listen(listen);
    return () => app.close();
  }
  const app = Fastify({ keepAliveTimeout: 60_000 });
  app.register(proxy, { upstream });
  await app.listen(listen);
  return () => app.close();
}

start().then(
  (close) => process.on('SIGTERM', () => void close().then(() => process.exit(0))),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);
