/**
 * Input the importer must refuse, with the file, the position and the App Mesh path of the
 * problem, and exit 1: not App Mesh, truncated or malformed files, fields the API does not
 * have, references to resources that are not there, values the Trellis model rejects.
 * Usage errors exit 2. Nothing is printed on stdout when nothing was converted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteSpec, VirtualNodeSpec } from '@aws-sdk/client-app-mesh';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { cliInput } from './support/forms';
import { trellisImport } from './support/import-cli';

let dir: string;
beforeAll(() => {
  dir = tempDir('trellis-appmesh-errors-');
});
afterAll(removeTempDirs);

function file(name: string, content: string | object): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

const node: VirtualNodeSpec = {
  listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
  serviceDiscovery: { dns: { hostname: 'api.internal' } },
};

function routedMesh(route: RouteSpec): object[] {
  return [
    cliInput({ kind: 'virtualNode', name: 'api-v1', spec: node }, 'm'),
    cliInput(
      { kind: 'virtualRouter', name: 'api', spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] } },
      'm',
    ),
    cliInput(
      {
        kind: 'virtualService',
        name: 'api.local',
        spec: { provider: { virtualRouter: { virtualRouterName: 'api' } } },
      },
      'm',
    ),
    cliInput({ kind: 'route', name: 'main', parent: 'api', spec: route }, 'm'),
  ];
}

async function refused(...files: string[]) {
  const r = await trellisImport('appmesh', ...files);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.lines.at(-1)).toMatch(/^trellis import: not converted \(\d+ errors?, /);
  return r.lines.filter((l) => l.includes(': error: '));
}

describe('trellis import appmesh refuses bad input', () => {
  it('names a file that is not App Mesh', async () => {
    const f = file('deployment.json', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } });
    expect(await refused(f)).toEqual([
      `${f}:1:1: (root): error: not App Mesh: expected describe-* output ({ "virtualNode": {...} }), a create-*/update-* --cli-input-json input, a spec, or a CloudFormation template; found fields apiVersion, kind, metadata`,
    ]);
  });

  it('points at the end of a truncated JSON file', async () => {
    const text = JSON.stringify(cliInput({ kind: 'virtualNode', name: 'a', spec: node }, 'm'), null, 2);
    const f = file('truncated.json', text.slice(0, text.indexOf('"protocol"')));
    const [line] = await refused(f);
    expect(line).toMatch(new RegExp(`^${f}:\\d+:\\d+: error: .*\\(is the file truncated\\?\\)$`));
  });

  it('points at a broken CloudFormation YAML file and an unknown short tag', async () => {
    const broken = file(
      'broken.yaml',
      'Resources:\n  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties: {MeshName: m\n',
    );
    expect((await refused(broken))[0]).toMatch(new RegExp(`^${broken}:\\d+:\\d+: error: `));
    const tag = file(
      'tag.yaml',
      'Resources:\n  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: !Reff Mesh\n',
    );
    expect((await refused(tag))[0]).toMatch(new RegExp(`^${tag}:5:17: error: .*!Reff`));
  });

  it('refuses an empty file, a directory, a missing file and a list-* output', async () => {
    const empty = file('empty.json', '  \n');
    const list = file('list.json', { virtualNodes: [{ meshName: 'm', virtualNodeName: 'a' }] });
    const lines = await refused(empty, dir, join(dir, 'nope.json'), list);
    expect(lines).toEqual([
      `${empty}: error: the file is empty`,
      `${dir}: error: is a directory`,
      `${join(dir, 'nope.json')}: error: no such file`,
      `${list}:2:3: virtualNodes: error: a list-* output names resources but holds no specs; save describe-* output instead`,
    ]);
  });

  it('names fields the App Mesh API does not have, and values it does not allow, at their line', async () => {
    const f = file('node.json', {
      meshName: 'm',
      virtualNodeName: 'a',
      spec: { listeners: [{ portMapping: { port: 8080, protocol: 'htp' } }], backendz: [] },
    });
    expect(await refused(f)).toEqual([
      `${f}:9:11: spec.listeners[0].portMapping.protocol: error: must be one of "http", "http2", "grpc", "tcp"`,
      `${f}:13:5: spec.backendz: error: unknown field (did you mean 'backends'?)`,
    ]);
  });

  it('refuses a route to a missing virtual node, naming the nodes it has', async () => {
    const f = file(
      'missing-node.json',
      routedMesh({
        httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'api-v9', weight: 1 }] } },
      }),
    );
    expect(await refused(f)).toEqual([
      `${f}:58:15: [3].spec.httpRoute.action.weightedTargets[0].virtualNode: error: no virtual node 'api-v9' in the input (nodes: api-v1)`,
    ]);
  });

  it('refuses providers, routes and gateway routes that point at nothing', async () => {
    const f = file('dangling.json', [
      cliInput(
        {
          kind: 'virtualService',
          name: 'a.local',
          spec: { provider: { virtualRouter: { virtualRouterName: 'nope' } } },
        },
        'm',
      ),
      cliInput(
        { kind: 'virtualService', name: 'b.local', spec: { provider: { virtualNode: { virtualNodeName: 'nope' } } } },
        'm',
      ),
      cliInput(
        {
          kind: 'gatewayRoute',
          name: 'g',
          parent: 'gw',
          spec: {
            httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceName: 'x' } } } },
          },
        },
        'm',
      ),
    ]);
    const lines = (await refused(f)).map((l) => l.replace(/^[^ ]+ /, ''));
    expect(lines).toEqual([
      "[2].virtualGatewayName: error: no virtual gateway 'gw' in the input",
      "[0].spec.provider.virtualRouter.virtualRouterName: error: no virtual router 'nope' in the input",
      "[1].spec.provider.virtualNode.virtualNodeName: error: no virtual node 'nope' in the input",
    ]);
  });

  it('reports what the Trellis model rejects at the App Mesh field it came from', async () => {
    const f = file(
      'regex.json',
      routedMesh({
        httpRoute: {
          match: { prefix: '/', headers: [{ name: 'x-user', match: { regex: '(unclosed' } }] },
          action: { weightedTargets: [{ virtualNode: 'api-v1', weight: 1 }] },
          retryPolicy: { maxRetries: 3, perRetryTimeout: { value: 1, unit: 's' } },
        },
      }),
    );
    const lines = await refused(f);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /\[3\]\.spec\.httpRoute\.match\.headers\[0\]\.match: error: not a valid RE2 regex: .*\(in the Trellis mesh at services\["api\.local"\]\.routes\[0\]\.match\.headers\[0\]\.regex\)$/,
    );
    expect(lines[1]).toMatch(
      /\[3\]\.spec\.httpRoute\.retryPolicy: error: set at least one of httpRetryEvents, tcpRetryEvents/,
    );
  });

  it('refuses CloudFormation that is not App Mesh, and a template whose intrinsic is malformed', async () => {
    const none = file('bucket.json', { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } });
    expect(await refused(none)).toEqual([
      `${none}:2:3: Resources: error: the template has no AWS::AppMesh::* resources`,
    ]);
    const bad = file(
      'bad-sub.yaml',
      'Resources:\n  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: !Sub [1, 2]\n      Spec: {}\n',
    );
    expect((await refused(bad)).join('\n')).toMatch(
      /Resources\.Node\.Properties\.MeshName\["Fn::Sub"\]: error: Fn::Sub needs a string/,
    );
  });
});

describe('usage', () => {
  it('exits 2 without files, with another source or an unknown option', async () => {
    for (const args of [['appmesh'], ['istio', 'x.yaml'], ['appmesh', '--frobnicate', 'x.json'], []]) {
      const r = await trellisImport(...args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toMatch(/usage: trellis import appmesh/);
    }
  });

  it('prints the usage with --help and exits 0', async () => {
    const r = await trellisImport('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: trellis import appmesh/);
  });

  it('--strict refuses an import that lost a field, and accepts a lossless one', async () => {
    const tls = file('tls-node.json', {
      ...cliInput({ kind: 'virtualNode', name: 'a', spec: node }, 'm'),
      spec: {
        ...node,
        backendDefaults: {
          clientPolicy: { tls: { validation: { trust: { file: { certificateChain: '/ca.pem' } } } } },
        },
      },
    });
    const loose = await trellisImport('appmesh', tls);
    expect(loose.code).toBe(0);
    const strict = await trellisImport('appmesh', '--strict', tls);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.lines).toContain(
      `${tls}:19:7: spec.backendDefaults.clientPolicy: not carried over: no listener of the mesh uses TLS, so nothing here would accept it; set mtls.mode to 'strict' or 'permissive' to encrypt traffic between proxies`,
    );
    expect(strict.lines.at(-1)).toMatch(/^trellis import: --strict: not everything carried over/);
    const clean = file('clean-node.json', cliInput({ kind: 'virtualNode', name: 'a', spec: node }, 'm'));
    expect((await trellisImport('appmesh', '--strict', clean)).code).toBe(0);
  });
});
