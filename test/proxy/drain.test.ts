/**
 * Shutdown drain (RELIABILITY.md F.33): on SIGTERM under load the proxy fails readiness at
 * once, stops accepting connections, lets every in-flight request finish (HTTP/1 responses
 * carry `Connection: close`, HTTP/2 sessions get GOAWAY), closes idle keep-alive connections
 * and exits 0 well before its drain time. No request in flight when the signal came fails.
 */
import http2 from 'node:http2';
import { connect } from 'node:net';
import { Client } from 'undici';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest, type Response } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream, type UpstreamResponse } from '../support/upstream';
import { sleep, waitFor } from '../support/wait';

afterAll(cleanupAll);

/** Whether a TCP connection to the port is accepted right now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** One long request over h2c on its own session; reports whether the session saw GOAWAY. */
function http2Held(origin: string, path: string): Promise<Response & { goaway: boolean }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    let goaway = false;
    session.on('goaway', () => {
      goaway = true;
    });
    session.on('error', reject);
    const req = session.request({ ':method': 'GET', ':path': path });
    let headers: Response['headers'] = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      headers = h as Response['headers'];
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      session.close();
      resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString(), goaway });
    });
    req.on('error', reject);
    req.end();
  });
}

test('SIGTERM under load: readiness fails, in-flight requests all finish, the proxy exits 0', async () => {
  const held: UpstreamResponse[] = [];
  const up = await startUpstream('app', {
    handler: (req, res) => {
      if (req.path.startsWith('/hold')) {
        held.push(res);
        return;
      }
      // A mix of quick and slow requests keeps connections both busy and idle at the signal.
      const delay = req.path.startsWith('/slow') ? 300 : 0;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`ok ${req.path}`);
      }, delay);
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({ clusters: { app: [up.port] } }),
    args: ['--drain-time-s', '20'],
  });
  const port = await proxy.listenerPort();
  const origin = `http://127.0.0.1:${port}`;

  // Two requests the upstream holds until the test lets them go: one HTTP/1.1, one h2c.
  const heldH1 = httpRequest(`${origin}/hold/h1`, { fresh: true });
  const heldH2 = http2Held(origin, '/hold/h2');
  await waitFor('both held requests upstream', () => held.length === 2);

  // Load at concurrency 50 until the signal: one keep-alive connection per worker, so every
  // request goes over a connection the proxy already accepted.
  const clients = Array.from({ length: 50 }, () => new Client(origin, { keepAliveTimeout: 30_000 }));
  let stop = false;
  let started = 0;
  const failed: string[] = [];
  const closeHeaders: string[] = [];
  const statuses = new Map<number, number>();
  const worker = async (client: Client) => {
    while (!stop) {
      const i = started++;
      try {
        const res = await client.request({ path: i % 10 === 0 ? `/slow/${i}` : `/q/${i}`, method: 'GET' });
        const body = await res.body.text();
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode !== 200 || !body.startsWith('ok ')) failed.push(`${i}: ${res.statusCode} ${body}`);
        if (res.headers.connection === 'close') closeHeaders.push(String(i));
      } catch (e) {
        failed.push(`${i}: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`);
      }
    }
  };
  const workers = clients.map(worker);
  await waitFor('load under way', () => started > 2000, 30_000);

  // Every request started so far is in flight or done; none is started after the signal.
  stop = true;
  proxy.child.kill('SIGTERM');
  const readyDuringDrain = await waitFor(
    'readiness to fail',
    async () => {
      const r = await proxy.adminGet('/ready');
      return r.status === 503 ? r : undefined;
    },
    10_000,
  );
  expect(readyDuringDrain.body).toMatch(/DRAINING/);
  expect(await waitFor('the listener to stop accepting', async () => !(await accepts(port)), 10_000)).toBe(true);
  expect(JSON.parse((await proxy.adminGet('/server_info')).body).state).toBe('DRAINING');

  await Promise.all(workers);
  await Promise.all(clients.map((c) => c.close()));
  expect(failed).toEqual([]);
  expect(statuses.get(200)).toBe(started);
  // Connections busy at the signal were told to close after their response.
  expect(closeHeaders.length).toBeGreaterThan(0);

  // The held requests are still running on draining connections: let them finish.
  await sleep(200);
  expect(proxy.child.proc.exitCode).toBeNull();
  for (const r of held.splice(0)) {
    r.writeHead(200, { 'content-type': 'text/plain' });
    r.end('ok held');
  }
  const h1 = await heldH1;
  expect(h1.status).toBe(200);
  expect(h1.body).toBe('ok held');
  expect(h1.headers.connection).toBe('close');
  const h2 = await heldH2;
  expect(h2.status).toBe(200);
  expect(h2.body).toBe('ok held');
  expect(h2.goaway).toBe(true);

  // Exit 0 once the last connection is gone, long before the 20 s drain time.
  const t0 = Date.now();
  const exit = await proxy.child.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(Date.now() - t0).toBeLessThan(15_000);
  expect(up.requests.length).toBe(started + 2);
});
