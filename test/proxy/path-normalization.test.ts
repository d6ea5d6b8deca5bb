/**
 * Path normalization (`normalize_path`, `merge_slashes`, `path_with_escaped_slashes_action`),
 * RELIABILITY.md A.9: the path used for routing is byte-identical to the path forwarded, so a
 * route that guards `/admin` cannot be walked around with dot segments, encoded dots, doubled
 * slashes or backslashes. Requests go over raw sockets so no client normalizes them first.
 */
import { connect } from 'node:net';
import { cleanupAll } from '../support/cleanup';
import { httpBootstrap } from '../support/envoy-config';
import { startProxy } from '../support/proxy';
import { startUpstream } from '../support/upstream';

afterAll(cleanupAll);

/** Sends one raw HTTP/1.1 request; resolves with the status and headers of the response. */
function rawGet(port: number, target: string): Promise<{ status: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.on('connect', () => s.write(`GET ${target} HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n`));
    s.setEncoding('latin1');
    s.on('data', (d) => {
      data += d;
    });
    s.on('error', reject);
    s.on('close', () => {
      const head = data.split('\r\n\r\n')[0].split('\r\n');
      const status = Number(head[0]?.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers });
    });
  });
}

async function setup(escapedSlashes: string) {
  const up = await startUpstream('app');
  const proxy = await startProxy({
    config: httpBootstrap({
      clusters: { app: [up.port] },
      routes: [
        { match: { prefix: '/admin' }, direct_response: { status: 403, body: { inline_string: 'guarded' } } },
        { match: { prefix: '/' }, route: { cluster: 'app' } },
      ],
      hcm: { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: escapedSlashes },
    }),
  });
  expect(proxy.output()).not.toMatch(/ignoring unsupported fields/);
  return { up, proxy, port: await proxy.listenerPort() };
}

test('dot segments, encoded dots, doubled slashes and backslashes are normalized before routing', async () => {
  const { up, port } = await setup('KEEP_UNCHANGED');
  const forwarded: Array<[string, string]> = [
    ['/a/./b/../c', '/a/c'],
    ['/a/%2e%2E/b', '/b'],
    ['//a///b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/%7euser/%41%5a', '/~user/AZ'],
    ['/sp%20ace?x=/../y&z=%2e', '/sp%20ace?x=/../y&z=%2e'],
    ['/a%2fb', '/a%2Fb'],
  ];
  for (const [sent, expected] of forwarded) {
    const before = up.requests.length;
    expect({ sent, status: (await rawGet(port, sent)).status }).toEqual({ sent, status: 200 });
    expect({ sent, path: up.requests[before]?.path }).toEqual({ sent, path: expected });
  }
  // Every spelling of /admin reaches the guard, never the upstream.
  const before = up.requests.length;
  for (const sneaky of ['/public/../admin', '/%2e%2e/admin', '//admin', '/x/.%2E/admin/', '/x\\..\\admin']) {
    expect({ sneaky, status: (await rawGet(port, sneaky)).status }).toEqual({ sneaky, status: 403 });
  }
  expect(up.requests.length).toBe(before);
});

test('escaped slashes: rejected with 400, or unescaped and redirected with 307', async () => {
  const reject = await setup('REJECT_REQUEST');
  expect((await rawGet(reject.port, '/a%2Fb')).status).toBe(400);
  expect((await rawGet(reject.port, '/a%5cb')).status).toBe(400);
  expect((await rawGet(reject.port, '/a/b')).status).toBe(200);
  expect(reject.up.requests.map((r) => r.path)).toEqual(['/a/b']);
  expect(await reject.proxy.stat('http.ingress.downstream_rq_failed_path_normalization')).toBe(2);

  const redirect = await setup('UNESCAPE_AND_REDIRECT');
  const r = await rawGet(redirect.port, '/a%2F..%2Fadmin?q=1');
  expect(r.status).toBe(307);
  expect(r.headers.location).toBe('/admin?q=1');
  expect(redirect.up.requests).toEqual([]);
  expect(await redirect.proxy.stat('http.ingress.downstream_rq_redirected_with_normalized_path')).toBe(1);
});
