/**
 * Fuzzing the config loader (RELIABILITY.md B.17): random mutations of valid bootstraps and xDS
 * resources (TLS listeners with secrets, RBAC, JWT, HTTP and TCP chains, clusters with TLS) are
 * either accepted or refused with a ConfigLoadError naming where; never another exception, never
 * a hang. Valid seeds must load as they are.
 */
import fc from 'fast-check';
import { parseBootstrap } from '../../proxy-image/src/config/bootstrap';
import { parseCluster } from '../../proxy-image/src/config/cluster';
import { parseListener } from '../../proxy-image/src/config/listener';
import { ConfigLoadError, checkSchema, parseWith } from '../../proxy-image/src/config/load';
import { parseSecret } from '../../proxy-image/src/tls/secret';
import { type Doc, httpBootstrap } from '../support/envoy-config';
import type { TestIdentity } from '../support/pki';
import { inboundSidecar, outboundSidecar } from './sidecars';

const id: TestIdentity = {
  dir: '/nonexistent/identity',
  spiffeId: 'spiffe://bank.example/rates/v1',
  cert: '/nonexistent/identity/cert.pem',
  key: '/nonexistent/identity/key.pem',
  ca: '/nonexistent/identity/ca.pem',
  issued: undefined as never,
};

const rbacFilter = {
  name: 'envoy.filters.http.rbac',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
    rules: {
      action: 'ALLOW',
      policies: {
        p: {
          permissions: [
            {
              and_rules: {
                rules: [
                  { url_path: { path: { prefix: '/a' } } },
                  { header: { name: ':method', string_match: { exact: 'GET' } } },
                ],
              },
            },
          ],
          principals: [
            { authenticated: { principal_name: { prefix: 'spiffe://bank.example/' } } },
            { not_id: { any: true } },
          ],
        },
      },
    },
    rules_stat_prefix: 'authz_',
  },
};

const jwtFilter = {
  name: 'envoy.filters.http.jwt_authn',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
    providers: {
      corp: {
        issuer: 'https://login.example',
        audiences: ['api'],
        remote_jwks: {
          http_uri: { uri: 'https://login.example/jwks', cluster: 'app', timeout: '1s' },
          cache_duration: '300s',
        },
        claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }],
      },
    },
    rules: [{ match: { prefix: '/' }, requires: { provider_name: 'corp' } }],
    requirement_map: { corp: { provider_name: 'corp' } },
  },
};

const SEEDS: Doc[] = [
  inboundSidecar(id, 8080, { httpFilters: [rbacFilter], permissive: true }),
  outboundSidecar(id, 15000, 'spiffe://bank.example/rates/v1', { http2: true }),
  httpBootstrap({ clusters: { app: [8080] }, httpFilters: [jwtFilter, rbacFilter] }),
];

function loadBootstrap(doc: unknown): void {
  checkSchema('envoy.config.bootstrap.v3.Bootstrap', doc, 'fuzz.yaml');
  parseWith(doc, 'fuzz.yaml', (f) => parseBootstrap(f, {}));
}

function loadResource(type: string, doc: unknown): void {
  checkSchema(type, doc, 'xds');
  if (type.endsWith('Listener')) parseWith(doc, 'xds', parseListener);
  else if (type.endsWith('Cluster')) parseWith(doc, 'xds', (f) => parseCluster(f, 'fp'));
  else parseWith(doc, 'xds', parseSecret);
}

/** Every path to a value in a JSON tree. */
function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(v)) for (const [i, x] of v.entries()) out.push(...paths(x, [...at, i]));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

type Mutation =
  | { op: 'set'; value: unknown }
  | { op: 'delete' }
  | { op: 'add'; key: string; value: unknown }
  | { op: 'dup' };

function mutate(doc: Doc, at: Array<string | number>, m: Mutation): Doc {
  const copy = structuredClone(doc);
  if (at.length === 0) return m.op === 'set' ? m.value : copy;
  let parent: Doc = copy;
  for (const k of at.slice(0, -1)) parent = parent[k];
  const last = at[at.length - 1];
  if (m.op === 'set') parent[last] = m.value;
  else if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (m.op === 'add') {
    const target = parent[last];
    if (target && typeof target === 'object' && !Array.isArray(target)) target[m.key] = m.value;
  } else if (Array.isArray(parent)) parent.splice(Number(last), 0, structuredClone(parent[Number(last)]));
  return copy;
}

const interesting = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    '',
    'tls',
    'raw_buffer',
    'TLSv1_0',
    'TLSv1_3',
    'ALLOW',
    'DENY',
    '-1s',
    '99999999999s',
    'spiffe://',
    '/',
  ),
  fc.constantFrom(-1, 0, 65536, 2 ** 53, Number.MAX_SAFE_INTEGER),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  interesting.map((value) => ({ op: 'set' as const, value })),
  fc.constant({ op: 'delete' as const }),
  fc.record({
    op: fc.constant('add' as const),
    key: fc.constantFrom('x', 'name', 'sds_config', 'filename', 'any', 'rules'),
    value: interesting,
  }),
  fc.constant({ op: 'dup' as const }),
);

function onlyConfigErrors(load: () => void): boolean {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigLoadError) {
      // Every line names where the problem is.
      for (const line of e.lines) expect(line).toMatch(/^(fuzz\.yaml|xds): /);
      return true;
    }
    throw e;
  }
  return true;
}

test('the seeds load', () => {
  for (const s of SEEDS) expect(() => loadBootstrap(s)).not.toThrow();
});

test('mutated bootstraps: accepted or a ConfigLoadError, never a crash', () => {
  fc.assert(
    fc.property(
      fc.nat(SEEDS.length - 1),
      fc.nat(),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      (s, pick, ms) => {
        let doc = SEEDS[s];
        for (const m of ms) {
          const all = paths(doc);
          doc = mutate(doc, all[pick % all.length], m);
        }
        return onlyConfigErrors(() => loadBootstrap(doc));
      },
    ),
    { numRuns: 1000 },
  );
});

test('mutated xDS resources (Listener, Cluster, Secret): accepted or a ConfigLoadError', () => {
  const resources: Array<[string, Doc]> = [];
  for (const s of SEEDS) {
    for (const l of s.static_resources.listeners) resources.push(['envoy.config.listener.v3.Listener', l]);
    for (const c of s.static_resources.clusters) resources.push(['envoy.config.cluster.v3.Cluster', c]);
    for (const x of s.static_resources.secrets ?? [])
      resources.push(['envoy.extensions.transport_sockets.tls.v3.Secret', x]);
  }
  fc.assert(
    fc.property(fc.nat(resources.length - 1), fc.nat(), mutation, (r, pick, m) => {
      const [type, doc] = resources[r];
      const all = paths(doc);
      return onlyConfigErrors(() => loadResource(type, mutate(doc, all[pick % all.length], m)));
    }),
    { numRuns: 1000 },
  );
});

test('a TLS context naming a static secret that is not defined is refused with the listener named', () => {
  const doc = structuredClone(SEEDS[0]);
  doc.static_resources.secrets = doc.static_resources.secrets.filter(
    (s: { name: string }) => s.name !== 'trust-bundle',
  );
  expect(() => loadBootstrap(doc)).toThrow(
    /static_resources\.secrets: secret "trust-bundle" used by listener "inbound" filter chain "inbound-mtls" is not defined here and has no sds_config/,
  );
});

test('TLS below 1.2 and unknown transport sockets are refused with the field named', () => {
  const doc = structuredClone(SEEDS[1]);
  const ts = doc.static_resources.clusters[0].transport_socket;
  ts.typed_config.common_tls_context.tls_params.tls_minimum_protocol_version = 'TLSv1_1';
  expect(() => loadBootstrap(doc)).toThrow(
    /tls_minimum_protocol_version: TLSv1_1 is not supported \(TLS 1\.2 is the minimum\)/,
  );
  const alts = structuredClone(SEEDS[1]);
  alts.static_resources.clusters[0].transport_socket = {
    name: 'envoy.transport_sockets.alts',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts',
      handshaker_service: 'x',
    },
  };
  expect(() => loadBootstrap(alts)).toThrow(
    /transport_socket\.typed_config: envoy\.transport_sockets\.alts is not supported/,
  );
});
