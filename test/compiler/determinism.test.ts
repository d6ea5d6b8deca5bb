/** Same input, same bytes; versions move exactly when content moves. */
import { compile } from '../../lib/compiler/compile';
import { RESOURCE_TYPES, typeVersion } from '../../lib/compiler/snapshot';
import { loadMeshFile } from '../../lib/model/load';
import { validateMesh } from '../../lib/model/validate';
import { endpointsFor, FIXTURES, loadModel } from './fixtures';

test('compiling twice, from freshly loaded models, gives byte-identical output', async () => {
  for (const file of FIXTURES) {
    const a = await loadModel(file);
    const b = await loadModel(file);
    expect(JSON.stringify(compile(a, endpointsFor(a)))).toBe(JSON.stringify(compile(b, endpointsFor(b))));
  }
});

test('endpoint order does not change the output', async () => {
  const model = await loadModel(FIXTURES[0]);
  const eps = endpointsFor(model);
  const reversed = Object.fromEntries(
    Object.entries(eps)
      .reverse()
      .map(([k, v]) => [k, [...v].reverse()]),
  );
  expect(JSON.stringify(compile(model, reversed))).toBe(JSON.stringify(compile(model, eps)));
});

test('an endpoint change moves the endpoint version of callers only, and nothing else', async () => {
  const model = await loadModel(FIXTURES[0]);
  const eps = endpointsFor(model);
  const before = compile(model, eps).snapshots;
  const after = compile(model, {
    ...eps,
    'catalog/v2': [...eps['catalog/v2'], { address: '10.9.9.9', port: 8080 }],
  }).snapshots;
  for (const proxy of Object.keys(before)) {
    const calls = proxy === 'frontend/v1';
    expect(after[proxy].version !== before[proxy].version).toBe(calls);
    for (const type of RESOURCE_TYPES) {
      const moved = typeVersion(after[proxy].resources[type]) !== typeVersion(before[proxy].resources[type]);
      expect([proxy, type, moved]).toEqual([proxy, type, calls && type === 'endpoints']);
    }
  }
});

test('a weight change moves the routes version only', async () => {
  const loaded = await loadMeshFile(FIXTURES[0]);
  const data = structuredClone(loaded.data) as any;
  data.services.catalog.routes[0].targets[1].weight = 50;
  const changed = validateMesh(data).model!;
  const a = compile(loaded.model!).snapshots['frontend/v1'];
  const b = compile(changed).snapshots['frontend/v1'];
  expect(RESOURCE_TYPES.filter((t) => typeVersion(a.resources[t]) !== typeVersion(b.resources[t]))).toEqual(['routes']);
});
