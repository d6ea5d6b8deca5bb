// The demo's one program: every service of examples/demo/mesh.yaml runs it, told who it is by
// environment variables. It answers with its name and version, fails a share of requests
// (FAILURE_RATE), and calls its backends (CALLS) through its sidecar's egress port, as an
// application in the mesh does. Dependency-free on purpose: `node app.js` is all it needs.

const http = require('node:http');

const port = Number(process.env.PORT || 3000);
const service = process.env.SERVICE_NAME || process.env.TRELLIS_SERVICE || 'app';
const version = process.env.SERVICE_VERSION || process.env.TRELLIS_VERSION || 'v1';
const failureRate = Number(process.env.FAILURE_RATE || 0);
const latencyMs = Number(process.env.LATENCY_MS || 0);
const calls = (process.env.CALLS || '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const egressPort = Number(process.env.TRELLIS_EGRESS_PORT || 15001);

if (!(failureRate >= 0 && failureRate <= 1)) {
  console.error(`app.js: FAILURE_RATE must be between 0 and 1 (got '${process.env.FAILURE_RATE}')`);
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// A backend is reached by its mesh name in the Host header; the sidecar's egress routes it.
function call(backend, headers) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: egressPort,
        path: '/',
        agent,
        headers: { host: backend, 'x-request-id': headers['x-request-id'] || '' },
        timeout: 10000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(body);
          } catch {
            json = { body: body.slice(0, 200) };
          }
          resolve({ service: backend, status: res.statusCode, ...json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ service: backend, status: 502, error: e.message }));
    req.end();
  });
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': `${service}/${version}` });
  res.end(`${JSON.stringify(body)}\n`);
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/health') return reply(res, 200, { status: 'ok', service, version });
  if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
  if (Math.random() < failureRate) return reply(res, 500, { service, version, error: 'injected failure' });
  const results = await Promise.all(calls.map((b) => call(b, req.headers)));
  const failed = results.some((r) => r.status >= 500);
  reply(res, failed ? 502 : 200, {
    service,
    version,
    path: req.url,
    client: req.headers.client,
    calls: Object.fromEntries(results.map((r) => [r.service, r])),
  });
});

server.keepAliveTimeout = 30000;
server.listen(port, '127.0.0.1', () => console.log(`${service} ${version} listening on 127.0.0.1:${port}`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
