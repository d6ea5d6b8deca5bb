/**
 * Nothing is dropped silently: resources nothing reaches, providers that are missing,
 * backends outside the input and AWS bookkeeping each get a line on stderr, and the import
 * still succeeds. A route whose kind does not fit its router's listener is refused, as App
 * Mesh refused it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VirtualNodeSpec } from '@aws-sdk/client-app-mesh';
import { validateMesh } from '../../lib/model/validate';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { cliInput } from './support/forms';
import { trellisImport } from './support/import-cli';

let dir: string;
beforeAll(() => {
  dir = tempDir('trellis-appmesh-report-');
});
afterAll(removeTempDirs);

const node: VirtualNodeSpec = {
  listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
  serviceDiscovery: { dns: { hostname: 'api.internal' } },
  backends: [
    { virtualService: { virtualServiceName: 'external.example.com' } },
    { virtualService: { virtualServiceName: 'billing.other-team.local' } },
  ],
};

it('reports what nothing reaches, what has no provider, backends outside the input and tags', async () => {
  const f = join(dir, 'mesh.json');
  writeFileSync(
    f,
    JSON.stringify(
      [
        {
          ...cliInput({ kind: 'virtualNode', name: 'api-v1', spec: node }, 'm'),
          tags: [{ key: 'team', value: 'api' }],
        },
        cliInput(
          {
            kind: 'virtualService',
            name: 'api.local',
            spec: { provider: { virtualNode: { virtualNodeName: 'api-v1' } } },
          },
          'm',
        ),
        // Reached through the egress filter in App Mesh; no provider.
        cliInput({ kind: 'virtualService', name: 'external.example.com', spec: {} }, 'm'),
        cliInput(
          {
            kind: 'virtualRouter',
            name: 'orphan',
            spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] },
          },
          'm',
        ),
      ],
      null,
      2,
    ),
  );
  const r = await trellisImport('appmesh', f);
  expect(r.code).toBe(0);
  expect(validateMesh(r.mesh).problems).toEqual([]);
  expect(r.mesh!.services).toEqual({
    'api.local': {
      versions: {
        'api-v1': { listeners: [{ port: 8080, protocol: 'http' }], discovery: { dns: { hostname: 'api.internal' } } },
      },
    },
  });
  const findings = r.lines.slice(0, -1).map((l) => l.replace(/^[^ ]+ /, ''));
  expect(findings.sort()).toEqual([
    "[0].spec.backends[0].virtualService.virtualServiceName: not carried over: virtual service 'external.example.com' has no provider, so there is nothing to call; declare it under externalServices if it names a host outside the mesh",
    "[0].spec.backends[1].virtualService.virtualServiceName: not carried over: virtual service 'billing.other-team.local' is not in the input; import it too, or add it to the mesh file by hand",
    '[0].tags: ignored: tags are AWS bookkeeping; a Trellis mesh file has none',
    '[2].spec.provider: not carried over: a virtual service with no provider sends traffic nowhere in App Mesh (callers reach it only through the egress filter); declare the host under externalServices if callers need it',
    '[3].virtualRouterName: not carried over: no virtual service has this router as its provider, so nothing could reach its routes; left out',
  ]);
  expect(r.lines.at(-1)).toMatch(/\(0 errors, 4 not carried over, 0 placeholders, 0 inferred, 1 ignored\)$/);
});

it('refuses a route whose kind does not fit its router listener', async () => {
  const f = join(dir, 'mismatch.json');
  writeFileSync(
    f,
    JSON.stringify([
      cliInput(
        {
          kind: 'virtualNode',
          name: 'rpc-v1',
          spec: { listeners: [{ portMapping: { port: 50051, protocol: 'grpc' } }] },
        },
        'm',
      ),
      cliInput(
        {
          kind: 'virtualRouter',
          name: 'rpc',
          spec: { listeners: [{ portMapping: { port: 50051, protocol: 'grpc' } }] },
        },
        'm',
      ),
      cliInput(
        {
          kind: 'virtualService',
          name: 'rpc.local',
          spec: { provider: { virtualRouter: { virtualRouterName: 'rpc' } } },
        },
        'm',
      ),
      cliInput(
        {
          kind: 'route',
          name: 'all',
          parent: 'rpc',
          spec: {
            httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'rpc-v1', weight: 1 }] } },
          },
        },
        'm',
      ),
    ]),
  );
  const r = await trellisImport('appmesh', f);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.lines.filter((l) => l.includes(': error: '))).toEqual([
    expect.stringMatching(
      /mismatch\.json:1:\d+: \[3\]\.spec\.httpRoute: error: a httpRoute cannot serve the virtual router's grpc listener on port 50051; use grpcRoute$/,
    ),
  ]);
});
