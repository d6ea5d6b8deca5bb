/**
 * The composition of a gateway route with a service's routes, checked against App Mesh's
 * semantics on random routes and paths: App Mesh matches the gateway route, rewrites, then
 * matches the service's routes on the rewritten path. The compiled Envoy routes, evaluated
 * as Envoy evaluates them (first match, then prefix/regex rewrite), must pick the same
 * service route and forward the same path.
 */
import fc from 'fast-check';
import { compile } from '../../lib/compiler/compile';
import type { MeshSpec } from '../../lib/model/mesh';
import { formatProblem } from '../../lib/model/problem';
import { validateMesh } from '../../lib/model/validate';
import { compileRe2 } from '../../lib/regex/re2';

type Json = Record<string, any>;
type PathSpec = { prefix?: string; exact?: string; regex?: string };
interface ServiceRoute {
  name: string;
  path: PathSpec;
  rewrite?: string;
}
interface GatewaySpec {
  path: PathSpec;
  rewrite: { prefix?: string | false; path?: string };
}

// --- App Mesh's semantics, step by step -------------------------------------------------
function pathMatches(p: PathSpec, path: string): boolean {
  if (p.prefix !== undefined) return path.startsWith(p.prefix);
  if (p.exact !== undefined) return path === p.exact;
  return compileRe2(p.regex!).test(path);
}

function forwardedByGateway(g: GatewaySpec, path: string): string {
  if (g.rewrite.path !== undefined) return g.rewrite.path;
  const rw = g.rewrite.prefix ?? '/';
  if (rw === false || g.path.prefix === undefined) return path;
  const rest = path.slice(g.path.prefix.length);
  return rw.endsWith('/') && rest.startsWith('/') ? rw + rest.slice(1) : rw + rest;
}

function reference(g: GatewaySpec, routes: ServiceRoute[], path: string): [string, string] | undefined {
  if (!pathMatches(g.path, path)) return undefined;
  const f = forwardedByGateway(g, path);
  const s = routes.find((r) => pathMatches(r.path, f));
  if (!s) return undefined;
  return [s.name, s.rewrite !== undefined ? s.rewrite + f.slice(s.path.prefix!.length) : f];
}

// --- Envoy's evaluation of the compiled routes ------------------------------------------
function envoyMatches(m: Json, path: string): boolean {
  const ok =
    m.prefix !== undefined
      ? path.startsWith(m.prefix)
      : m.path !== undefined
        ? path === m.path
        : compileRe2(m.safe_regex.regex).test(path);
  if (!ok) return false;
  for (const h of m.headers ?? []) {
    if (h.name !== ':path') continue;
    const sm = h.string_match;
    if (sm.prefix !== undefined && !path.startsWith(sm.prefix)) return false;
    if (sm.safe_regex && !compileRe2(sm.safe_regex.regex).test(path)) return false;
  }
  return true;
}

function envoyRewrite(r: Json, path: string): string {
  const a = r.route;
  if (a.prefix_rewrite !== undefined) {
    const matched = r.match.prefix ?? r.match.path;
    return a.prefix_rewrite + path.slice(matched.length);
  }
  if (a.regex_rewrite) {
    const re = new RegExp(compileRe2(a.regex_rewrite.pattern.regex, false).source, 'u');
    return path.replace(re, a.regex_rewrite.substitution);
  }
  return path;
}

function envoy(envoyRoutes: Json[], path: string): [string, string] | undefined {
  const r = envoyRoutes.find((x) => envoyMatches(x.match, path));
  if (!r) return undefined;
  const service = r.name.split('/')[3].replace(/#\d+$/, '');
  return [service, envoyRewrite(r, path)];
}

// --- generators --------------------------------------------------------------------------
const literal = fc.constantFrom('/', '/a', '/a/', '/ab', '/a/b', '/x/', '/x', '/b');
const pathSpec: fc.Arbitrary<PathSpec> = fc.oneof(
  literal.map((prefix) => ({ prefix })),
  literal.map((exact) => ({ exact })),
  fc.constantFrom('/a/[a-z]+', '/x/.*', '/b+', '/a(/b)?').map((regex) => ({ regex })),
);
const serviceRoutes = fc
  .array(fc.record({ path: pathSpec, rewrite: fc.option(fc.constantFrom('/', '/z/', '/z'), { nil: undefined }) }), {
    minLength: 1,
    maxLength: 3,
  })
  .map((rs) =>
    rs.map((r, i) => ({
      name: `r${i}`,
      path: r.path,
      rewrite: r.path.prefix !== undefined ? r.rewrite : undefined,
    })),
  );
const gateway: fc.Arbitrary<GatewaySpec> = fc.oneof(
  fc.record({
    path: literal.map((prefix) => ({ prefix })),
    rewrite: fc.constantFrom<GatewaySpec['rewrite']>(
      {},
      { prefix: false },
      { prefix: '/' },
      { prefix: '/x/' },
      { prefix: '/a' },
    ),
  }),
  fc.record({ path: pathSpec, rewrite: fc.constantFrom<GatewaySpec['rewrite']>({ prefix: false }, { path: '/a/b' }) }),
);
const requestPath = fc
  .array(fc.constantFrom('/', 'a', 'b', 'x', 'ab', 'z'), { minLength: 1, maxLength: 5 })
  .map((parts) => `/${parts.join('')}`.replace(/\/+/g, '/'));

function meshOf(g: GatewaySpec, routes: ServiceRoute[]): MeshSpec {
  return {
    name: 'prop',
    gateways: {
      gw: {
        listeners: [{ port: 8080, protocol: 'http' }],
        routes: [{ name: 'g', match: { path: g.path }, target: { service: 'svc' }, rewrite: g.rewrite }],
      },
    },
    services: {
      svc: {
        versions: { v1: { listeners: [{ port: 80, protocol: 'http' }] } },
        routes: routes.map((r) => ({
          name: r.name,
          match: { path: r.path },
          targets: [{ version: 'v1' }],
          ...(r.rewrite !== undefined ? { rewrite: { prefix: r.rewrite } } : {}),
        })),
      },
    },
  };
}

/** A '/'-joined regex route with a remainder that does not start a segment: documented as unsupported. */
function knownApproximation(g: GatewaySpec, routes: ServiceRoute[], path: string): boolean {
  const prefix = g.path.prefix;
  if (prefix === undefined || prefix.endsWith('/') || g.rewrite.path !== undefined || g.rewrite.prefix === false)
    return false;
  const rw = g.rewrite.prefix ?? '/';
  const rest = path.slice(prefix.length);
  return rw.endsWith('/') && rest !== '' && !rest.startsWith('/') && routes.some((r) => r.path.regex !== undefined);
}

test('compiled gateway routes pick the service route App Mesh would, and forward the same path', () => {
  fc.assert(
    fc.property(gateway, serviceRoutes, fc.array(requestPath, { minLength: 5, maxLength: 20 }), (g, routes, paths) => {
      const { model, problems } = validateMesh(meshOf(g, routes));
      if (!model) {
        // Only rewrites that need a prefix match may be refused.
        expect(problems.map(formatProblem).join('\n')).toMatch(/rewrite/);
        return;
      }
      const result = compile(model);
      if (result.problems.length) {
        expect(result.problems.map((p) => p.reason).join('\n')).toMatch(/cannot combine/);
        return;
      }
      const envoyRoutes = result.snapshots.gw.resources.routes[0].virtual_hosts as Json[];
      const table = (envoyRoutes[0]?.routes ?? []) as Json[];
      for (const path of paths) {
        if (knownApproximation(g, routes, path)) continue;
        expect([path, envoy(table, path)]).toEqual([path, reference(g, routes, path)]);
      }
    }),
    { numRuns: 400 },
  );
});
