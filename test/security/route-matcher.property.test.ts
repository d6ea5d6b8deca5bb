/**
 * The route matcher against a small reference model written from Envoy's documentation
 * (RELIABILITY.md B.17): virtual host by domain (exact, then the longest `*suffix`, then the
 * longest `prefix*`, then `*`; a wildcard matches at least one character), then the first route
 * whose match holds: `prefix` on the whole :path (query included), `path` exact on the path
 * without the query, `path_separated_prefix` on whole segments, each optionally
 * case-insensitive, and an optional exact `:method` header. Same decision for every input.
 */
import fc from 'fast-check';
import { parseWith } from '../../proxy-image/src/config/load';
import { parseRouteConfiguration } from '../../proxy-image/src/router/route-table';

type Kind = 'prefix' | 'path' | 'path_separated_prefix';
interface ModelRoute {
  name: string;
  kind: Kind;
  text: string;
  caseSensitive: boolean;
  method: string | undefined;
}
interface ModelVhost {
  name: string;
  domains: string[];
  routes: ModelRoute[];
}

const seg = fc.constantFrom('a', 'b', 'A', 'api', 'v1', 'API', '');
const pathText = fc.array(seg, { minLength: 0, maxLength: 3 }).map((s) => `/${s.join('/')}`);
const route = (i: number) =>
  fc
    .record({
      kind: fc.constantFrom<Kind>('prefix', 'path', 'path_separated_prefix'),
      // A prefix may reach into the query (Envoy matches prefixes on the whole :path).
      text: fc.oneof(pathText, fc.constantFrom('/?q', '/a?q=1', '/A?')),
      caseSensitive: fc.boolean(),
      method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
    })
    .map((r) => ({
      ...r,
      name: `r${i}`,
      // path_separated_prefix may not end with '/'.
      text: r.kind === 'path_separated_prefix' ? r.text.split('?')[0].replace(/\/+$/, '') || '/x' : r.text,
    }));

const DOMAINS = ['a.com', '*.com', 'b.a.com', '*', 'a.*', 'api.a.com', '*.a.com'];

const vhosts: fc.Arbitrary<ModelVhost[]> = fc
  .shuffledSubarray(DOMAINS, { minLength: 1 })
  .chain((domains) =>
    fc.tuple(
      ...domains.map((d, i) =>
        fc
          .array(fc.nat(), { minLength: 1, maxLength: 5 })
          .chain((ids) =>
            fc
              .tuple(...ids.map((_, j) => route(i * 10 + j)))
              .map((routes) => ({ name: `vh${i}`, domains: [d], routes })),
          ),
      ),
    ),
  );

const request = fc.record({
  authority: fc.constantFrom('a.com', 'b.a.com', 'x.com', 'a.org', 'A.COM', 'api.a.com', '.com', 'a.'),
  path: fc.tuple(pathText, fc.constantFrom('', '?q=1', '?a/b')).map(([p, q]) => p + q),
  method: fc.constantFrom('GET', 'POST', 'PUT'),
});

function modelVhost(vs: ModelVhost[], authority: string): ModelVhost | undefined {
  const host = authority.toLowerCase();
  const all = vs.flatMap((v) => v.domains.map((d) => ({ d, v })));
  const exact = all.find((x) => x.d === host);
  if (exact) return exact.v;
  const suffixes = all.filter((x) => x.d.startsWith('*') && x.d !== '*').sort((a, b) => b.d.length - a.d.length);
  for (const x of suffixes) if (host.length > x.d.length - 1 && host.endsWith(x.d.slice(1))) return x.v;
  const prefixes = all.filter((x) => x.d.endsWith('*') && x.d !== '*').sort((a, b) => b.d.length - a.d.length);
  for (const x of prefixes) if (host.length > x.d.length - 1 && host.startsWith(x.d.slice(0, -1))) return x.v;
  return all.find((x) => x.d === '*')?.v;
}

function modelRoute(r: ModelRoute, path: string, method: string): boolean {
  const norm = (s: string) => (r.caseSensitive ? s : s.toLowerCase());
  const want = norm(r.text);
  const noQuery = path.split('?')[0];
  let ok: boolean;
  if (r.kind === 'prefix') ok = norm(path).startsWith(want);
  else if (r.kind === 'path') ok = norm(noQuery) === want;
  else ok = norm(noQuery) === want || norm(noQuery).startsWith(`${want}/`);
  return ok && (r.method === undefined || r.method === method);
}

function toEnvoy(vs: ModelVhost[]) {
  return {
    name: 'fuzz',
    virtual_hosts: vs.map((v) => ({
      name: v.name,
      domains: v.domains,
      routes: v.routes.map((r) => ({
        name: r.name,
        match: {
          [r.kind]: r.text,
          case_sensitive: r.caseSensitive,
          ...(r.method ? { headers: [{ name: ':method', string_match: { exact: r.method } }] } : {}),
        },
        route: { cluster: 'c' },
      })),
    })),
  };
}

test('the route table decides as the reference model does', () => {
  fc.assert(
    fc.property(vhosts, fc.array(request, { minLength: 1, maxLength: 10 }), (vs, reqs) => {
      const table = parseWith(toEnvoy(vs), 'fuzz', (f) => parseRouteConfiguration(f, false));
      for (const q of reqs) {
        const got = table.route({
          method: q.method,
          path: q.path,
          authority: q.authority,
          scheme: 'http',
          headers: {},
        });
        const vh = modelVhost(vs, q.authority);
        const want = vh?.routes.find((r) => modelRoute(r, q.path, q.method));
        expect(got?.route.name).toBe(want?.name);
      }
    }),
    { numRuns: 1000 },
  );
});
