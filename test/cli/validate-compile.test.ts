/** `trellis validate` and `trellis compile` as users run them: real processes, real files. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validateJson } from '../../lib/envoy';

const ROOT = join(__dirname, '..', '..');
const DEMO = join(ROOT, 'examples', 'demo', 'mesh.yaml');
const run = promisify(execFile);

async function trellis(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', 'trellis.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('trellis validate', () => {
  it('exits 0 on a valid mesh', async () => {
    const r = await trellis('validate', DEMO);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/valid \(5 services, 6 versions, 1 gateways\)/);
  });

  it('exits 1 with one positioned line per problem, and no stack trace', async () => {
    const bad = file(
      'bad.yaml',
      [
        'name: demo',
        'services:',
        '  api:',
        '    versions:',
        '      v1: { listeners: [{ port: 80, protocol: tcpp }] }',
        '    routs: []',
        '',
      ].join('\n'),
    );
    const r = await trellis('validate', bad);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${bad}:5:37: services.api.versions.v1.listeners[0].protocol: must be one of "http", "http2", "grpc", "tcp" (got "tcpp")`,
      `${bad}:6:5: services.api.routs: unknown field (did you mean 'routes'?)`,
    ]);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('reports problems only the compiler can find', async () => {
    const bad = file(
      'compose.yaml',
      [
        'name: demo',
        'gateways:',
        '  gw:',
        '    listeners: [{ port: 80, protocol: http }]',
        '    routes:',
        '      - { name: r, match: { path: { prefix: /a } }, rewrite: { prefix: /b/c }, target: { service: api } }',
        'services:',
        '  api:',
        '    versions: { v1: { listeners: [{ port: 80, protocol: http }] } }',
        '    routes: [{ name: re, match: { path: { regex: "[a-z/]+" } }, targets: [{ version: v1 }] }]',
        '',
      ].join('\n'),
    );
    const r = await trellis('validate', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /compose\.yaml:6:\d+: gateways\.gw\.routes\[0\]\.rewrite\.prefix: cannot combine this prefix rewrite/,
    );
  });

  it('names a missing file', async () => {
    const r = await trellis('validate', join(dir, 'nope.yaml'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${join(dir, 'nope.yaml')}: (root): no such file\n`);
  });
});

describe('trellis compile', () => {
  it('prints every proxy snapshot', async () => {
    const r = await trellis('compile', DEMO);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout);
    expect(Object.keys(all)).toEqual([
      'android-api/v1',
      'catalog/v1',
      'catalog/v2',
      'frontend/v1',
      'ingress',
      'ios-api/v1',
      'reviews/v1',
    ]);
    expect(Object.keys(all.ingress.resources)).toEqual(['listeners', 'routes', 'clusters', 'endpoints', 'secrets']);
    expect(all.ingress.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('prints one proxy with the endpoints given', async () => {
    const eps = file(
      'eps.yaml',
      'catalog/v1:\n  - { address: 10.1.2.3, port: 3000 }\ncatalog/v2: []\nreviews/v1: []\n',
    );
    const r = await trellis('compile', DEMO, '--proxy', 'frontend/v1', '--endpoints', eps);
    expect(r.code).toBe(0);
    const snapshot = JSON.parse(r.stdout);
    const cla = snapshot.resources.endpoints.find((e: any) => e.cluster_name === 'outbound|3000|v1|catalog');
    expect(cla.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({
      address: '10.1.2.3',
      port_value: 3000,
    });
    for (const type of Object.keys(snapshot.resources)) {
      for (const res of snapshot.resources[type]) expect(validateJson(res['@type'], res)).toEqual([]);
    }
  });

  it('prints a stock Envoy bootstrap, static or ADS', async () => {
    const s = await trellis('compile', DEMO, '--proxy', 'catalog/v1', '--envoy-bootstrap', '--admin-port', '9902');
    const staticBootstrap = JSON.parse(s.stdout);
    expect(validateJson('envoy.config.bootstrap.v3.Bootstrap', staticBootstrap)).toEqual([]);
    expect(staticBootstrap.admin.address.socket_address.port_value).toBe(9902);
    const d = await trellis('compile', DEMO, '--proxy', 'catalog/v1', '--envoy-bootstrap', '--xds', '127.0.0.1:18000');
    const ads = JSON.parse(d.stdout);
    expect(validateJson('envoy.config.bootstrap.v3.Bootstrap', ads)).toEqual([]);
    expect(ads.dynamic_resources.ads_config.api_type).toBe('GRPC');
  });

  it('explains a wrong proxy name and a bad endpoints file', async () => {
    const r = await trellis('compile', DEMO, '--proxy', 'catalog/v9');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^--proxy: no proxy named 'catalog\/v9' \(proxies: android-api\/v1, catalog\/v1/);
    const eps = file('bad-eps.yaml', 'catalog: []\ncatalog/v1: [{ address: 1.2.3.4, prot: 1 }]\n');
    const e = await trellis('compile', DEMO, '--endpoints', eps);
    expect(e.code).toBe(1);
    expect(e.stdout).toContain(`${eps}: catalog: bad name: must be '<service>/<version>' (got "catalog")`);
    expect(e.stdout).toContain(`${eps}: ["catalog/v1"][0].prot: unknown field (did you mean 'port'?)`);
  });

  it('answers a usage mistake with exit 2 and the usage', async () => {
    const r = await trellis('compile');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: trellis compile <mesh-file>/);
  });
});
