/**
 * Random malformed meshes never crash the validator and always produce at least one
 * `<path>: <reason>` line; valid meshes produce none. Malformed meshes are made from valid
 * fixtures by mutations that cannot leave them valid: an unknown field, a value of the
 * wrong JSON type, a required field removed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { parseMeshText } from '../../lib/model/load';
import { formatProblem } from '../../lib/model/problem';
import { validateMesh } from '../../lib/model/validate';

const ROOT = join(__dirname, '..', '..');
const FILES = [
  'test/fixtures/meshes/routing.yaml',
  'test/fixtures/meshes/gateway.yaml',
  'test/fixtures/meshes/protocols.yaml',
  'examples/demo/mesh.yaml',
];
const MESHES = FILES.map((f) => parse(readFileSync(join(ROOT, f), 'utf8')));

type Json = any;
type Location = { parent: Json; key: string | number };

/** Every place in a document: each object field and array element. */
function locations(doc: Json): Location[] {
  const out: Location[] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node))
      node.forEach((v, i) => {
        out.push({ parent: node, key: i });
        walk(v);
      });
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node, key: k });
        walk(v);
      }
  };
  walk(doc);
  return out;
}

/** Fields whose value is a map keyed by names, where any key is allowed. */
const MAPS = new Set(['services', 'versions', 'gateways', 'externalServices', 'env', 'attributes', 'json']);

const OBJECT_LIKE = (v: Json) => v && typeof v === 'object' && !Array.isArray(v);

/** A value of a JSON type no field of the model accepts where `v` stands. */
function wrongType(v: Json): Json {
  if (typeof v === 'number') return `n${v}`;
  if (typeof v === 'string') return 12345;
  if (typeof v === 'boolean') return 'yes';
  return 7;
}

const mutation = fc.record({
  mesh: fc.nat(MESHES.length - 1),
  at: fc.nat(),
  kind: fc.constantFrom('unknown-field', 'wrong-type', 'drop-required'),
  key: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !/^[a-z$]/i.test(k) || k.startsWith('zz')),
});

test('valid fixtures produce no problem', () => {
  for (const m of MESHES) expect(validateMesh(m).problems.map(formatProblem)).toEqual([]);
});

test('malformed meshes never crash and always produce at least one problem line', () => {
  fc.assert(
    fc.property(mutation, ({ mesh, at, kind, key }) => {
      const doc = structuredClone(MESHES[mesh]);
      if (kind === 'drop-required') {
        // `name`, every listener's `port`, and a route's `targets` (a gateway route's `target`) are required.
        const required = locations(doc).filter(
          (l) =>
            !Array.isArray(l.parent) &&
            ((l.key === 'port' && 'protocol' in l.parent) ||
              l.key === 'targets' ||
              l.key === 'target' ||
              (l.parent === doc && l.key === 'name')),
        );
        const l = required[at % required.length];
        delete l.parent[l.key];
      } else if (kind === 'unknown-field') {
        const objects = [
          doc,
          ...locations(doc)
            .filter((l) => !MAPS.has(String(l.key)))
            .map((l) => l.parent[l.key])
            .filter(OBJECT_LIKE),
        ];
        objects[at % objects.length][`zz${key}`] = 1;
      } else {
        const l = locations(doc)[at % locations(doc).length];
        l.parent[l.key] = wrongType(l.parent[l.key]);
      }
      const lines = validateMesh(doc).problems.map(formatProblem);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/^\S.*: \S/);
    }),
    { numRuns: 500 },
  );
});

test('any JSON at all is answered with problems, not exceptions', () => {
  fc.assert(
    fc.property(fc.anything(), (value) => {
      const { problems } = validateMesh(value);
      expect(problems.length).toBeGreaterThan(0);
    }),
    { numRuns: 500 },
  );
});

test('any text at all, as a mesh file, is answered with positioned problems', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const { problems, model } = parseMeshText(text, 'x.yaml');
      expect(model === undefined || problems.length === 0).toBe(true);
      if (!model) for (const p of problems) expect(formatProblem(p)).toMatch(/^x\.yaml/);
    }),
    { numRuns: 300 },
  );
});
