import fc from 'fast-check';
import { decode, encode, type JsonValue, ProtoJsonError, validateJson } from '../../lib/envoy';
import { envoyJson } from './envoy-json-arbitrary';

const TYPES = [
  'envoy.config.listener.v3.Listener',
  'envoy.config.route.v3.RouteConfiguration',
  'envoy.config.cluster.v3.Cluster',
  'envoy.config.endpoint.v3.ClusterLoadAssignment',
  'envoy.extensions.transport_sockets.tls.v3.Secret',
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.config.bootstrap.v3.Bootstrap',
  'envoy.service.discovery.v3.DiscoveryResponse',
];

const RUNS = 60;

const reasons = (typeName: string, json: unknown) =>
  validateJson(typeName, json)
    .map((p) => p.reason)
    .sort();

describe('properties', () => {
  it.each(TYPES)('random JSON values never crash validateJson(%s)', (typeName) => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())), (doc) => {
        const problems = validateJson(typeName, doc);
        for (const p of problems) {
          expect(typeof p.path).toBe('string');
          expect(p.reason.length).toBeGreaterThan(0);
        }
        // What validates clean encodes; what does not, encode refuses with a ProtoJsonError.
        if (problems.length === 0) expect(() => encode(typeName, doc)).not.toThrow();
        else expect(() => encode(typeName, doc, { validate: true })).toThrow(ProtoJsonError);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(TYPES)('schema-shaped documents encode, and round-trip losslessly (%s)', (typeName) => {
    fc.assert(
      fc.property(envoyJson(typeName), (doc) => {
        const problems = reasons(typeName, doc);
        // The generator follows the JSON mapping, so only PGV rules may complain; encode does not check them.
        const bytes = Buffer.from(encode(typeName, doc));
        const back = decode(typeName, bytes);
        // Lossless: the decoded JSON encodes to the same bytes, and decoding is a fixpoint.
        expect(Buffer.from(encode(typeName, back))).toEqual(bytes);
        expect(decode(typeName, encode(typeName, back))).toEqual(back);
        // The canonical form breaks exactly the same rules (none, for a clean document).
        expect(reasons(typeName, back)).toEqual(problems);
      }),
      { numRuns: RUNS },
    );
  });

  it('schema-shaped documents with one subtree replaced by random JSON never crash the codec', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES).chain((t) => fc.tuple(fc.constant(t), envoyJson(t), fc.jsonValue(), fc.nat())),
        ([typeName, doc, junk, pick]) => {
          const mutated = replaceNth(doc, pick, junk as JsonValue);
          const problems = validateJson(typeName, mutated);
          try {
            const bytes = encode(typeName, mutated);
            expect(Buffer.from(encode(typeName, decode(typeName, bytes)))).toEqual(Buffer.from(bytes));
          } catch (e) {
            expect(e).toBeInstanceOf(ProtoJsonError);
            expect(problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

/** Replaces the n-th node (in a depth-first walk, modulo the node count) with `junk`. */
function replaceNth(doc: JsonValue, n: number, junk: JsonValue): JsonValue {
  const slots: [Record<string, JsonValue> | JsonValue[], string | number][] = [];
  const walk = (v: JsonValue) => {
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        slots.push([v, Array.isArray(v) ? Number(k) : k]);
        walk(child);
      }
    }
  };
  const copy = structuredClone(doc);
  walk(copy);
  if (slots.length === 0) return junk;
  const [parent, key] = slots[n % slots.length];
  (parent as Record<string | number, JsonValue>)[key] = junk;
  return copy;
}
