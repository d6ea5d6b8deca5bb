/**
 * Every resource the compiler emits, for every fixture mesh, decoded strictly against
 * Envoy's own v3 protobuf schema (the .proto files inside @grpc/grpc-js-xds, with their
 * validation rules): an unknown field, a wrong type or a broken rule fails the test.
 */
import { basename } from 'node:path';
import { staticBootstrap } from '../../lib/compiler/bootstrap';
import { compile } from '../../lib/compiler/compile';
import { RESOURCE_TYPES } from '../../lib/compiler/snapshot';
import { decodeAny, encode, encodeAny, validateJson } from '../../lib/envoy';
import { ALL_MESHES, endpointsFor, loadModel } from './fixtures';

describe.each(ALL_MESHES.map((f) => [basename(f), f]))('%s', (_name, file) => {
  let snapshots: Awaited<ReturnType<typeof compile>>['snapshots'];

  beforeAll(async () => {
    const model = await loadModel(file);
    const result = compile(model, endpointsFor(model));
    expect(result.problems).toEqual([]);
    snapshots = result.snapshots;
  });

  it('emits only resources Envoy accepts', () => {
    const problems: string[] = [];
    let count = 0;
    for (const [proxy, snapshot] of Object.entries(snapshots)) {
      for (const type of RESOURCE_TYPES) {
        for (const r of snapshot.resources[type]) {
          count++;
          for (const p of validateJson(r['@type'], r))
            problems.push(`${proxy} ${type} ${r.name ?? r.cluster_name}: ${p.path}: ${p.reason}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(0);
  });

  it('round-trips every resource through binary protobuf unchanged', () => {
    for (const snapshot of Object.values(snapshots)) {
      for (const type of RESOURCE_TYPES) {
        for (const r of snapshot.resources[type]) {
          const back = decodeAny(encodeAny(r));
          expect(encodeAny(back)).toEqual(encodeAny(r));
        }
      }
    }
  });

  it('makes static bootstraps Envoy accepts', () => {
    for (const [proxy, snapshot] of Object.entries(snapshots)) {
      const bootstrap = staticBootstrap(snapshot, { proxy });
      expect(validateJson('envoy.config.bootstrap.v3.Bootstrap', bootstrap)).toEqual([]);
      expect(encode('envoy.config.bootstrap.v3.Bootstrap', bootstrap).length).toBeGreaterThan(0);
    }
  });
});

describe('the schema check itself', () => {
  it('fails on a field Envoy does not know', async () => {
    const model = await loadModel(ALL_MESHES[0]);
    const { snapshots } = compile(model, endpointsFor(model));
    const cluster = { ...Object.values(snapshots)[0].resources.clusters[0], lb_polcy: 'ROUND_ROBIN' };
    expect(validateJson(cluster['@type'], cluster).map((p) => p.path)).toContain('lb_polcy');
  });
});
