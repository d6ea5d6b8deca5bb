/**
 * The `http-proxy` peer: node-http-proxy's documented reverse-proxy setup with a keep-alive
 * agent to the upstream. HTTP/1.1 only (it has no HTTP/2 server). Run as a bundle by
 * bench/targets/node-peers.ts: `node peer.js <port> <upstream port>`.
 */
import http from 'node:http';
import httpProxy from 'http-proxy';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${upstreamPort}`, agent });
proxy.on('error', (_err, _req, res) => {
  const r = res as http.ServerResponse;
  if (!r.headersSent) r.writeHead(502);
  r.end();
});
const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => proxy.web(req, res));
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
