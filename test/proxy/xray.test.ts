/**
 * X-Ray tracing (HCM `tracing` with `envoy.tracers.xray`): segments reach a daemon address over
 * UDP (a receiver on 127.0.0.1 port 0 stands in for the X-Ray daemon), carry the caller's trace
 * and parent, and the request goes upstream with this proxy's segment as its parent. The
 * caller's Sampled flag wins; otherwise the sampling rules decide. AWS_XRAY_DAEMON_ADDRESS
 * points the proxy at the daemon when the config does not.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { cleanupAll } from '../support/cleanup';
import { type Doc, httpBootstrap } from '../support/envoy-config';
import { httpRequest, runLoad } from '../support/http-client';
import { startProxy } from '../support/proxy';
import { startUpstream } from '../support/upstream';
import { sleep, waitFor } from '../support/wait';

const daemons: Socket[] = [];

afterAll(async () => {
  for (const d of daemons) d.close();
  await cleanupAll();
});

/** A UDP receiver speaking the daemon's format: a JSON header line, then the segment. */
async function fakeDaemon(): Promise<{ port: number; segments: Doc[]; headers: Doc[] }> {
  const socket = createSocket('udp4');
  daemons.push(socket);
  const segments: Doc[] = [];
  const headers: Doc[] = [];
  socket.on('message', (msg) => {
    const text = msg.toString('utf8');
    const nl = text.indexOf('\n');
    headers.push(JSON.parse(text.slice(0, nl)));
    segments.push(JSON.parse(text.slice(nl + 1)));
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: (socket.address() as AddressInfo).port, segments, headers };
}

function xrayTracing(xray: Doc): Doc {
  return {
    tracing: {
      provider: {
        name: 'envoy.tracers.xray',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.config.trace.v3.XRayConfig',
          segment_name: 'orders',
          ...xray,
        },
      },
    },
  };
}

const manifest = (fixedTarget: number, rate: number) => ({
  inline_string: JSON.stringify({ version: 2, default: { fixed_target: fixedTarget, rate } }),
});

const TRACE = '1-5759e988-bd862e3fe1be46a994272793';

test('a segment per sampled request, with the caller as parent and this segment as the upstream parent', async () => {
  const daemon = await fakeDaemon();
  const up = await startUpstream('orders', {
    handler: (req, res) => {
      res.writeHead(req.path === '/boom' ? 503 : 200, { 'content-length': '2' });
      res.end('ok');
    },
  });
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { orders: [up.port] },
      hcm: xrayTracing({
        daemon_endpoint: { protocol: 'UDP', address: '127.0.0.1', port_value: daemon.port },
        sampling_rule_manifest: manifest(0, 1),
        segment_fields: { origin: 'AWS::AppMesh::Proxy', aws: { app_mesh: { mesh_name: 'shop' } } },
      }),
    }),
  });
  const origin = await proxy.origin();
  await httpRequest(`${origin}/orders/1?x=1`, {
    headers: { 'x-amzn-trace-id': `Root=${TRACE};Parent=53995c3f42cd8ad8`, 'user-agent': 'xray-test' },
  });
  await waitFor('the segment', () => daemon.segments.length === 1);
  const seg = daemon.segments[0];
  expect(daemon.headers[0]).toEqual({ format: 'json', version: 1 });
  expect(seg).toMatchObject({
    name: 'orders',
    trace_id: TRACE,
    parent_id: '53995c3f42cd8ad8',
    origin: 'AWS::AppMesh::Proxy',
    aws: { app_mesh: { mesh_name: 'shop' } },
    http: {
      request: {
        method: 'GET',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/orders\/1$/),
        user_agent: 'xray-test',
      },
      response: { status: 200, content_length: 2 },
    },
    annotations: { upstream_cluster: 'orders' },
  });
  expect(seg.id).toMatch(/^[0-9a-f]{16}$/);
  expect(seg.end_time).toBeGreaterThanOrEqual(seg.start_time);
  expect(Math.abs(seg.start_time - Date.now() / 1000)).toBeLessThan(60);
  expect(seg.fault).toBeUndefined();
  // Upstream sees the same trace with this proxy's segment as parent, sampled.
  expect(up.requests[0].headers['x-amzn-trace-id']).toBe(`Root=${TRACE};Parent=${seg.id};Sampled=1`);

  // A 5xx is a fault; a request without a trace header starts a new trace.
  await httpRequest(`${origin}/boom`);
  await waitFor('the second segment', () => daemon.segments.length === 2);
  const fault = daemon.segments[1];
  expect(fault.fault).toBe(true);
  expect(fault.http.response.status).toBe(503);
  expect(fault.parent_id).toBeUndefined();
  expect(fault.trace_id).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  expect(up.requests[1].headers['x-amzn-trace-id']).toBe(`Root=${fault.trace_id};Parent=${fault.id};Sampled=1`);
});

test("sampling: the caller's decision wins, otherwise the rules' rate", async () => {
  const daemon = await fakeDaemon();
  const up = await startUpstream('orders');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { orders: [up.port] },
      hcm: xrayTracing({
        daemon_endpoint: { address: '127.0.0.1', port_value: daemon.port },
        sampling_rule_manifest: manifest(0, 0),
      }),
    }),
  });
  const origin = await proxy.origin();
  // Rate 0: nothing is sampled, and upstream is told so.
  await runLoad({ origin, total: 50, concurrency: 5 });
  expect(up.requests.at(-1)!.headers['x-amzn-trace-id']).toMatch(/;Sampled=0$/);
  // Sampled=1 from the caller is honoured despite the rules; Sampled=0 is honoured too.
  await httpRequest(`${origin}/yes`, { headers: { 'x-amzn-trace-id': `Root=${TRACE};Sampled=1` } });
  await httpRequest(`${origin}/no`, { headers: { 'x-amzn-trace-id': `Root=${TRACE};Sampled=0` } });
  await waitFor('the forced segment', () => daemon.segments.length >= 1);
  await sleep(300);
  expect(daemon.segments).toHaveLength(1);
  expect(daemon.segments[0].http.request.url).toMatch(/\/yes$/);
});

test('a rate of 0.5 samples about half', async () => {
  const daemon = await fakeDaemon();
  const up = await startUpstream('orders');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { orders: [up.port] },
      hcm: xrayTracing({
        daemon_endpoint: { address: '127.0.0.1', port_value: daemon.port },
        sampling_rule_manifest: manifest(0, 0.5),
      }),
    }),
  });
  await runLoad({ origin: await proxy.origin(), total: 1000, concurrency: 10 });
  await sleep(500);
  const sampled = up.requests.filter((r) => String(r.headers['x-amzn-trace-id']).endsWith('Sampled=1')).length;
  expect(sampled).toBeGreaterThan(400);
  expect(sampled).toBeLessThan(600);
  // UDP on loopback under load may drop a datagram or two; never more than were sampled.
  expect(daemon.segments.length).toBeLessThanOrEqual(sampled);
  expect(daemon.segments.length).toBeGreaterThan(sampled * 0.9);
});

test('AWS_XRAY_DAEMON_ADDRESS points the proxy at the daemon (reservoir of 1, rate 0); an unknown tracer is refused by name', async () => {
  const daemon = await fakeDaemon();
  const up = await startUpstream('orders');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { orders: [up.port] },
      hcm: xrayTracing({ sampling_rule_manifest: manifest(1, 0) }),
    }),
    env: { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.port}` },
  });
  await httpRequest(`${await proxy.origin()}/`);
  await waitFor('the segment via the environment address', () => daemon.segments.length === 1);

  const bad = await startProxy({
    config: httpBootstrap({
      clusters: { orders: [up.port] },
      hcm: {
        tracing: {
          provider: {
            name: 'envoy.tracers.zipkin',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig',
              collector_cluster: 'orders',
              collector_endpoint: '/api/v2/spans',
            },
          },
        },
      },
    }),
    waitReady: false,
  }).catch((e: Error) => e);
  expect(bad).toBeInstanceOf(Error);
  expect((bad as Error).message).toMatch(/tracing\.provider\.name: tracer "envoy\.tracers\.zipkin" is not supported/);
});
