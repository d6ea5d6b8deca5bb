// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation placeholders are literal ${...} text
/**
 * Partial input, as real repositories hold it: bare `spec` files named after the resource,
 * routes in a directory named after their router, several versions of one resource, and
 * CloudFormation templates that reference parameters, other stacks and resources defined
 * elsewhere. Each import succeeds and says on stderr what it inferred or kept as a placeholder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteSpec, VirtualNodeSpec, VirtualRouterSpec, VirtualServiceSpec } from '@aws-sdk/client-app-mesh';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { cliInput, describeOutput } from './support/forms';
import { trellisImport } from './support/import-cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'appmesh');

let dir: string;
beforeAll(() => {
  dir = tempDir('trellis-appmesh-partial-');
});
afterAll(removeTempDirs);

function file(name: string, content: object): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, JSON.stringify(content, null, 2));
  return p;
}

const nodeSpec = (host: string): VirtualNodeSpec => ({
  listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
  serviceDiscovery: { dns: { hostname: host } },
});
const split = (v1: number, v2: number): RouteSpec => ({
  httpRoute: {
    match: { prefix: '/' },
    action: {
      weightedTargets: [
        { virtualNode: 'catalog-v1', weight: v1 },
        { virtualNode: 'catalog-v2', weight: v2 },
      ],
    },
  },
});

describe('bare specs and successive versions', () => {
  it('takes kinds from shapes, names from files, routers from directories; the last version wins', async () => {
    const router: VirtualRouterSpec = { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] };
    const service: VirtualServiceSpec = { provider: { virtualRouter: { virtualRouterName: 'catalog-router' } } };
    const files = [
      file('bare/catalog-v1.json', nodeSpec('v1.catalog.internal')),
      file('bare/catalog-v2.json', { spec: nodeSpec('v2.catalog.internal') }),
      // Only `listeners`: a router or a node by shape; another file routes to it as a router.
      file('bare/catalog-router.json', router),
      file('bare/catalog.json', service),
      file('bare/catalog-router/split.json', split(80, 20)),
      file(
        'bare/split-later.json',
        describeOutput({ kind: 'route', name: 'split', parent: 'catalog-router', spec: split(50, 50) }, 'prod', 7),
      ),
    ];
    const r = await trellisImport('appmesh', ...files);
    expect(r.code).toBe(0);
    expect(validateMesh(r.mesh).problems).toEqual([]);
    expect(r.mesh!.name).toBe('prod');
    const catalog = (r.mesh!.services as Record<string, any>).catalog;
    expect(Object.keys(catalog.versions)).toEqual(['catalog-v1', 'catalog-v2']);
    expect(catalog.routes).toEqual([
      {
        name: 'split',
        match: { path: { prefix: '/' } },
        targets: [
          { version: 'catalog-v1', weight: 50 },
          { version: 'catalog-v2', weight: 50 },
        ],
      },
    ]);
    const inferred = r.lines.filter((l) => l.includes(': inferred: ')).map((l) => l.replace(`${dir}/`, ''));
    expect(inferred).toEqual([
      "bare/catalog-v1.json:1:1: (root): inferred: a virtual node (from the spec's shape), named 'catalog-v1' after the file",
      "bare/catalog-v2.json:2:3: spec: inferred: a virtual node (from the spec's shape), named 'catalog-v2' after the file",
      "bare/catalog-router.json:1:1: (root): inferred: a virtual router (other resources refer to 'catalog-router' as one), named 'catalog-router' after the file",
      "bare/catalog.json:1:1: (root): inferred: a virtual service (from the spec's shape), named 'catalog' after the file",
      "bare/catalog-router/split.json:1:1: (root): inferred: a route (from the spec's shape), named 'split' after the file",
      "bare/catalog-router/split.json:1:1: (root): inferred: belongs to virtual router 'catalog-router', its directory's name",
      "bare/split-later.json:4:5: route.routeName: inferred: route 'split' is also in " +
        `${dir}/bare/catalog-router/split.json; this later one is used`,
    ]);
  });

  it('refuses a bare route when nothing says which router it belongs to', async () => {
    const files = [
      file('two/a.json', cliInput({ kind: 'virtualRouter', name: 'a', spec: {} }, 'm')),
      file('two/b.json', cliInput({ kind: 'virtualRouter', name: 'b', spec: {} }, 'm')),
      file('two/routes/split.json', split(1, 1)),
    ];
    const r = await trellisImport('appmesh', ...files);
    expect(r.code).toBe(1);
    expect(r.lines.find((l) => l.includes(': error: '))).toBe(
      `${files[2]}:1:1: (root): error: cannot tell which virtual router this route belongs to (the input has a, b); give virtualRouterName as a --cli-input-json file does, or put the file in a directory named after it`,
    );
  });

  it('asks for --mesh when the input holds several meshes, and imports the one named', async () => {
    const files = [
      file('meshes/a.json', cliInput({ kind: 'virtualNode', name: 'a', spec: nodeSpec('a.internal') }, 'blue')),
      file('meshes/b.json', cliInput({ kind: 'virtualNode', name: 'b', spec: nodeSpec('b.internal') }, 'green')),
    ];
    const both = await trellisImport('appmesh', ...files);
    expect(both.code).toBe(1);
    expect(both.lines).toContain('--mesh: error: the input holds several meshes (blue, green); choose one with --mesh');
    const green = await trellisImport('appmesh', '--mesh', 'green', ...files);
    expect(green.code).toBe(0);
    expect(Object.keys(green.mesh!.services)).toEqual(['b']);
    expect(green.lines).toContain(
      `${files[0]}:1:1: virtualNodeName: inferred: belongs to mesh 'blue', not 'green'; left out`.replace(
        ':1:1:',
        ':3:3:',
      ),
    );
  });
});

describe('CloudFormation with references the template alone cannot resolve', () => {
  const stack = join(FIXTURES, 'orders-stack.yaml');

  it('keeps named placeholders, uses parameter defaults, evaluates conditions, and reports each', async () => {
    const r = await trellisImport('appmesh', stack);
    expect(r.code).toBe(0);
    expect(validateMesh(r.mesh).problems).toEqual([]);
    const orders = (r.mesh!.services as Record<string, any>)['orders-env'].versions['orders-Env'];
    expect(orders.listeners).toEqual([{ port: 9000, protocol: 'http', timeout: { perRequest: '15s' } }]);
    expect(orders.discovery).toEqual({ cloudMap: { namespace: '${AWS::StackName}.local', service: 'orders' } });
    const lines = r.lines.map((l) => l.replace(`${stack}:`, ''));
    expect(lines).toEqual(
      expect.arrayContaining([
        '12:7: Resources.Orders.Properties.MeshName["Fn::ImportValue"]: placeholder: shared-mesh-name is exported by another stack; kept as ${Import:shared-mesh-name}',
        '13:7: Resources.Orders.Properties.VirtualNodeName["Fn::Sub"]: placeholder: parameter Env has no Default and was not given (--parameter Env=<value>); kept as ${Env}',
        '22:13: Resources.Orders.Properties.Spec.ServiceDiscovery.AWSCloudMap.NamespaceName["Fn::Sub"]: placeholder: AWS::StackName is known only once the stack is deployed; kept as ${AWS::StackName}',
        '25:31: Resources.Orders.Properties.Spec.Backends[0].VirtualService.VirtualServiceName["Fn::GetAtt"]: placeholder: resource Payments is not in this template; kept as ${Payments.VirtualServiceName}',
        "25:31: Resources.Orders.Properties.Spec.Backends[0].VirtualService.VirtualServiceName: not carried over: virtual service '${Payments.VirtualServiceName}' is not in the input; import it too, or add it to the mesh file by hand",
        "4:3: Parameters.Port: inferred: not given with --parameter; its Default '9000' is used",
        '19:31: Resources.Orders.Properties.Spec.Listeners[0].Timeout.HTTP.PerRequest.Value["Fn::If"]: inferred: condition IsProd cannot be decided from the template alone; the value for true is used',
        '28:5: Resources.Debug.Condition: inferred: condition AlwaysOff is false, so Debug is not imported',
        '8:1: Resources: inferred: not App Mesh, left to other tools: AWS::SQS::Queue',
      ]),
    );
    expect(r.lines.at(-1)).toMatch(/\(0 errors, 1 not carried over, 4 placeholders, \d+ inferred, 0 ignored\)$/);
    // --strict refuses placeholders: a deployed stack would have had other values.
    expect((await trellisImport('appmesh', '--strict', stack)).code).toBe(1);
  });

  it('takes --parameter values, decides conditions with them, and names a placeholder mesh with --mesh', async () => {
    const r = await trellisImport(
      'appmesh',
      '--parameter',
      'Env=dev',
      '--parameter',
      'Port=7000',
      '--parameter',
      'Prot=1',
      '--mesh',
      'shared',
      stack,
    );
    expect(r.code).toBe(0);
    expect(r.mesh!.name).toBe('shared');
    const orders = (r.mesh!.services as Record<string, any>)['orders-dev'].versions['orders-dev'];
    expect(orders.listeners).toEqual([{ port: 7000, protocol: 'http', timeout: { perRequest: '1m' } }]);
    expect(r.lines).toContain(
      `${stack}:12:7: Resources.Orders.Properties.MeshName: inferred: mesh \${Import:shared-mesh-name} is taken to be 'shared' (--mesh)`,
    );
    expect(r.lines.some((l) => l.includes('Parameters.Port'))).toBe(false);
    expect(r.lines).toContain('--parameter: Prot: ignored: no template in the input declares this parameter');
  });
});
