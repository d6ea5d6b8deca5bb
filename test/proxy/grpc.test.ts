/**
 * HTTP/2 and gRPC through the proxy with @grpc/grpc-js on both sides: unary and server
 * streaming calls keep their metadata and trailers; upstream statuses pass through; errors the
 * proxy makes itself arrive as gRPC statuses (14 UNAVAILABLE, 4 DEADLINE_EXCEEDED), as Envoy
 * sends them. Messages are raw bytes (gRPC does not care), so no .proto is needed.
 */
import * as grpc from '@grpc/grpc-js';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { http2Request } from '../support/http-client';
import { type ProxyHandle, startProxy } from '../support/proxy';
import { startUpstream } from '../support/upstream';

const pass = (b: Buffer) => b;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parse = (b: Buffer) => JSON.parse(b.toString());

const service: grpc.ServiceDefinition = {
  Echo: {
    path: '/test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: pass,
    requestDeserialize: pass,
    responseSerialize: pass,
    responseDeserialize: pass,
  },
  Count: {
    path: '/test.Echo/Count',
    requestStream: false,
    responseStream: true,
    requestSerialize: pass,
    requestDeserialize: pass,
    responseSerialize: pass,
    responseDeserialize: pass,
  },
  Hang: {
    path: '/test.Echo/Hang',
    requestStream: false,
    responseStream: false,
    requestSerialize: pass,
    requestDeserialize: pass,
    responseSerialize: pass,
    responseDeserialize: pass,
  },
};

type EchoClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

let server: grpc.Server;
let serverPort: number;
const hanging: Array<() => void> = [];

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(service, {
    Echo(call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      const req = parse(call.request);
      if (req.fail) {
        cb({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
        return;
      }
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', 'echoed');
      cb(null, json({ echo: req.msg, got: call.metadata.get('x-client')[0] ?? null }), trailer);
    },
    Count(call: grpc.ServerWritableStream<Buffer, Buffer>) {
      const n = parse(call.request).n as number;
      for (let i = 1; i <= n; i++) call.write(json({ i }));
      const trailer = new grpc.Metadata();
      trailer.set('x-count', String(n));
      call.end(trailer);
    },
    Hang(_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      hanging.push(() => cb(null, json({})));
    },
  });
  serverPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
});

afterAll(async () => {
  for (const h of hanging) h();
  server.forceShutdown();
  await cleanupAll();
});

const H2 = {
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicit_http_config: { http2_protocol_options: {} },
    },
  },
};

async function grpcProxy(
  routeExtra: Record<string, unknown> = {},
  clusters?: Record<string, number[]>,
): Promise<ProxyHandle> {
  return startProxy({
    config: httpBootstrap({
      clusters: clusters ?? { grpc: [serverPort] },
      routes: [{ match: { prefix: '/', grpc: {} }, route: { cluster: 'grpc', ...routeExtra } }],
      clusterOptions: { grpc: H2 },
    }),
  });
}

function client(port: number): EchoClient {
  const Ctor = grpc.makeGenericClientConstructor(service, 'Echo');
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
}

function unary(c: EchoClient, method: string, req: unknown, md = new grpc.Metadata(), deadlineMs = 10_000) {
  return new Promise<{ err: grpc.ServiceError | null; res?: unknown; trailers?: grpc.Metadata }>((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const call = c[method](
      json(req),
      md,
      { deadline: Date.now() + deadlineMs },
      (err: grpc.ServiceError | null, res?: Buffer) => {
        setImmediate(() => resolve({ err, res: res ? parse(res) : undefined, trailers }));
      },
    ) as grpc.ClientUnaryCall;
    call.on('status', (s: grpc.StatusObject) => {
      trailers = s.metadata;
    });
  });
}

test('unary call: response, request metadata and trailers pass through', async () => {
  const proxy = await grpcProxy();
  const c = client(await proxy.listenerPort());
  const md = new grpc.Metadata();
  md.set('x-client', 'hello');
  const r = await unary(c, 'Echo', { msg: 'ping' }, md);
  expect(r.err).toBeNull();
  expect(r.res).toEqual({ echo: 'ping', got: 'hello' });
  expect(r.trailers?.get('x-trailer')).toEqual(['echoed']);
  expect(await proxy.stat('cluster.grpc.upstream_cx_http2_total')).toBe(1);
  c.close();
});

test('server streaming: every message and the trailers arrive', async () => {
  const proxy = await grpcProxy();
  const c = client(await proxy.listenerPort());
  const got: number[] = [];
  const trailers = await new Promise<grpc.StatusObject>((resolve, reject) => {
    const call = c.Count(json({ n: 25 })) as grpc.ClientReadableStream<Buffer>;
    call.on('data', (b: Buffer) => got.push(parse(b).i));
    call.on('status', resolve);
    call.on('error', reject);
  });
  expect(got).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  expect(trailers.code).toBe(grpc.status.OK);
  expect(trailers.metadata.get('x-count')).toEqual(['25']);
  c.close();
});

test('an upstream gRPC error status passes through unchanged', async () => {
  const proxy = await grpcProxy();
  const c = client(await proxy.listenerPort());
  const r = await unary(c, 'Echo', { fail: true });
  expect(r.err?.code).toBe(grpc.status.NOT_FOUND);
  expect(r.err?.details).toBe('no such thing');
  c.close();
});

test('no healthy upstream is UNAVAILABLE (14), as Envoy answers gRPC', async () => {
  const proxy = await grpcProxy({}, { grpc: [] });
  const c = client(await proxy.listenerPort());
  const r = await unary(c, 'Echo', { msg: 'x' });
  expect(r.err?.code).toBe(grpc.status.UNAVAILABLE);
  expect(r.err?.details).toBe('no healthy upstream');
  c.close();
});

test('the route timeout is DEADLINE_EXCEEDED (4)', async () => {
  const proxy = await grpcProxy({ timeout: '0.3s' });
  const c = client(await proxy.listenerPort());
  const t0 = performance.now();
  const r = await unary(c, 'Hang', {});
  expect(r.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  expect(r.err?.details).toBe('upstream request timeout');
  expect(performance.now() - t0).toBeLessThan(3000);
  c.close();
});

test('grpc-timeout caps the route timeout with max_stream_duration.grpc_timeout_header_max', async () => {
  const proxy = await grpcProxy({ timeout: '20s', max_stream_duration: { grpc_timeout_header_max: '0.4s' } });
  const c = client(await proxy.listenerPort());
  // No client deadline: the cap alone ends the call.
  const r = await unary(c, 'Hang', {}, new grpc.Metadata(), 60_000);
  expect(r.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  expect(await proxy.stat('cluster.grpc.upstream_rq_timeout')).toBe(1);
  c.close();
});

test('HTTP/2 both ways with a plain HTTP/2 upstream keeps trailers; h2c downstream to an HTTP/1 upstream works', async () => {
  const h2up = await startUpstream('h2', {
    http2: true,
    handler: (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('body');
      res.addTrailers({ 'x-checksum': 'abc' });
      res.end();
    },
  });
  const h1up = await startUpstream('h1');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { h2: [h2up.port], h1: [h1up.port] },
      routes: [
        { match: { prefix: '/h1' }, route: { cluster: 'h1' } },
        { match: { prefix: '/' }, route: { cluster: 'h2' } },
      ],
      clusterOptions: { h2: H2 },
    }),
  });
  const origin = await proxy.origin();
  const r = await http2Request(origin, '/trailers');
  expect(r.status).toBe(200);
  expect(r.body).toBe('body');
  expect(r.trailers?.['x-checksum']).toBe('abc');
  expect(h2up.requests[0].httpVersion).toBe('2.0');
  const r1 = await http2Request(origin, '/h1/x');
  expect(r1.status).toBe(200);
  expect(JSON.parse(r1.body).upstream).toBe('h1');
  expect(h1up.requests[0].httpVersion).toBe('1.1');
  expect(h1up.requests[0].headers.host).toBe(origin.replace('http://', ''));
  expect(await proxy.stat('http.ingress.downstream_cx_http2_total')).toBeGreaterThanOrEqual(2);
});
