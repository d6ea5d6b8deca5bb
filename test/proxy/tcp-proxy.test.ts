/**
 * The TCP proxy network filter: bytes flow both ways through to an upstream, weighted clusters
 * split connections, and a cluster with no reachable host closes the downstream connection.
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server } from 'node:net';
import { cleanupAll } from '../support/cleanup';
import type { Doc } from '../support/envoy-config';
import { lbEndpoints } from '../support/envoy-config';
import { startProxy } from '../support/proxy';

const servers: Server[] = [];

afterAll(async () => {
  for (const s of servers) s.close();
  await cleanupAll();
});

/** A TCP server that greets with `<tag>:` and then echoes everything back. */
async function echoServer(tag: string): Promise<number> {
  const s = createServer((sock) => {
    sock.write(`${tag}:`);
    sock.pipe(sock);
    sock.on('error', () => {});
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

function tcpBootstrap(tcp: Doc, clusters: Record<string, number[]>): Doc {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'tcp',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.tcp_proxy',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                    stat_prefix: 'tcp',
                    ...tcp,
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: Object.entries(clusters).map(([name, ports]) => ({
        name,
        connect_timeout: '0.5s',
        type: 'STATIC',
        load_assignment: { cluster_name: name, endpoints: lbEndpoints(ports) },
      })),
    },
  };
}

function roundTrip(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.on('connect', () => sock.write(message));
    sock.on('data', (d) => {
      got += d;
      if (got.endsWith(message)) {
        sock.end();
        resolve(got);
      }
    });
    sock.on('close', () => resolve(got));
    // A proxy that closes a connection with unread bytes in it resets it (as Envoy may): still a
    // close, and what was received so far is the answer. Other errors fail the test.
    sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(got) : reject(e)));
  });
}

test('bytes go both ways through the TCP proxy', async () => {
  const port = await echoServer('one');
  const proxy = await startProxy({ config: tcpBootstrap({ cluster: 'echo' }, { echo: [port] }) });
  const lp = await proxy.listenerPort();
  expect(await roundTrip(lp, 'hello')).toBe('one:hello');
  const big = 'x'.repeat(200_000);
  expect(await roundTrip(lp, big)).toBe(`one:${big}`);
  expect(await proxy.stat('tcp.tcp.downstream_cx_total')).toBe(2);
  expect(await proxy.stat('cluster.echo.upstream_cx_total')).toBe(2);
});

test('weighted clusters split connections', async () => {
  const a = await echoServer('a');
  const b = await echoServer('b');
  const proxy = await startProxy({
    config: tcpBootstrap(
      {
        weighted_clusters: {
          clusters: [
            { name: 'a', weight: 50 },
            { name: 'b', weight: 50 },
          ],
        },
      },
      { a: [a], b: [b] },
    ),
  });
  const lp = await proxy.listenerPort();
  const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => roundTrip(lp, `m${i}`)));
  const fromA = replies.filter((r) => r.startsWith('a:')).length;
  const fromB = replies.filter((r) => r.startsWith('b:')).length;
  expect(fromA + fromB).toBe(40);
  expect(fromA).toBeGreaterThan(5);
  expect(fromB).toBeGreaterThan(5);
});

test('an unreachable upstream closes the downstream connection', async () => {
  const dead = await echoServer('dead');
  servers.pop()!.close();
  const proxy = await startProxy({ config: tcpBootstrap({ cluster: 'gone' }, { gone: [dead] }) });
  const lp = await proxy.listenerPort();
  expect(await roundTrip(lp, 'anyone?')).toBe('');
  expect(await proxy.stat('cluster.gone.upstream_cx_connect_fail')).toBe(1);
});
