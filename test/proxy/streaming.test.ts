/**
 * Bodies stream through without buffering, both ways, over keep-alive upstream connections;
 * and the access log in JSON (`log_format.json_format`) to a file, one object per request.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { httpRequest } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { tempDir } from '../support/temp-dir';
import { startUpstream, type UpstreamResponse } from '../support/upstream';
import { waitFor } from '../support/wait';

afterAll(cleanupAll);

test('a response streams to the client before the upstream has finished it', async () => {
  let open: UpstreamResponse | undefined;
  const up = await startUpstream('stream', {
    handler: (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk;');
      open = res;
    },
  });
  const proxy = await startProxy({ config: httpBootstrap({ clusters: { app: [up.port] } }) });
  const port = await proxy.listenerPort();
  const received: string[] = [];
  const done = new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => received.push(d));
        res.on('end', () => resolve(received.join('')));
      })
      .on('error', reject);
  });
  // The first chunk arrives while the upstream still holds the response open.
  await waitFor('the first chunk downstream', () => received.join('').includes('first chunk;'));
  expect(open).toBeDefined();
  open!.end('last chunk');
  expect(await done).toBe('first chunk;last chunk');
});

test('a request body streams to the upstream before the client has finished it', async () => {
  const chunks: string[] = [];
  const server = http.createServer((req, res) => {
    req.setEncoding('utf8');
    req.on('data', (d: string) => chunks.push(d));
    req.on('end', () => {
      res.writeHead(200);
      res.end(`got ${chunks.join('').length}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const upPort = (server.address() as import('node:net').AddressInfo).port;
    const proxy = await startProxy({ config: httpBootstrap({ clusters: { app: [upPort] } }) });
    const port = await proxy.listenerPort();
    const response = new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/upload', method: 'POST' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.write('a'.repeat(1000));
      // The upstream sees the first part while the client's request is still open.
      waitFor('the first part upstream', () => chunks.join('').length === 1000).then(
        () => req.end('b'.repeat(500)),
        reject,
      );
    });
    expect(await response).toBe('got 1500');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('keep-alive upstream connections are reused; the access log writes JSON lines', async () => {
  const up = await startUpstream('app');
  const dir = tempDir('trellis-log-');
  const logPath = join(dir, 'access.log');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { app: [up.port] },
      hcm: {
        access_log: [
          {
            name: 'envoy.access_loggers.file',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
              path: logPath,
              log_format: {
                json_format: {
                  method: '%REQ(:METHOD)%',
                  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
                  status: '%RESPONSE_CODE%',
                  cluster: '%UPSTREAM_CLUSTER%',
                  flags: '%RESPONSE_FLAGS%',
                  request_id: '%REQ(X-REQUEST-ID)%',
                },
              },
            },
          },
        ],
      },
    }),
  });
  const origin = await proxy.origin();
  for (let i = 0; i < 5; i++) expect((await httpRequest(`${origin}/item/${i}`)).status).toBe(200);
  // Five sequential requests, one upstream connection.
  expect(await proxy.stat('cluster.app.upstream_cx_total')).toBe(1);
  const lines = await waitFor('five log lines', () => {
    try {
      const l = readFileSync(logPath, 'utf8').trim().split('\n').filter(Boolean);
      return l.length === 5 ? l : undefined;
    } catch {
      return undefined;
    }
  });
  const entries = lines.map((l) => JSON.parse(l));
  expect(entries[0]).toMatchObject({ method: 'GET', path: '/item/0', status: 200, cluster: 'app', flags: '-' });
  expect(entries[0].request_id).toBe(up.requests[0].headers['x-request-id']);
  expect(entries.map((e) => e.path)).toEqual(['/item/0', '/item/1', '/item/2', '/item/3', '/item/4']);
});
