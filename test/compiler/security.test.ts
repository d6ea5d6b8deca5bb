/**
 * Zero trust as compiled: mTLS transport sockets with SPIFFE identities, the proxy's SDS
 * secrets, authorization as RBAC filters (DENY before ALLOW), and gateway JWT, field by field.
 */
import { join } from 'node:path';
import { staticBootstrap } from '../../lib/compiler/bootstrap';
import { compile } from '../../lib/compiler/compile';
import type { Snapshot } from '../../lib/compiler/snapshot';
import type { MeshSpec } from '../../lib/model/mesh';
import type { MeshModel } from '../../lib/model/model';
import { formatProblem } from '../../lib/model/problem';
import { validateMesh } from '../../lib/model/validate';
import { byName, endpointsFor, loadModel, ROOT, route, virtualHost } from './fixtures';

type Json = Record<string, any>;
const FILE = join(ROOT, 'test', 'fixtures', 'meshes', 'security.yaml');

let model: MeshModel;
let snapshots: Readonly<Record<string, Snapshot>>;
beforeAll(async () => {
  model = await loadModel(FILE);
  const result = compile(model, endpointsFor(model));
  expect(result.problems).toEqual([]);
  snapshots = result.snapshots;
});

const tlsContext = (socket: Json) => socket.typed_config.common_tls_context;
const sans = (socket: Json) =>
  tlsContext(socket).combined_validation_context.default_validation_context.match_typed_subject_alt_names;

describe('mTLS', () => {
  it('accepts only TLS with a client certificate from the trust domain on inbound listeners (strict)', () => {
    const l = byName(snapshots['accounts/v1'].resources.listeners, 'ingress-8080');
    expect(l.listener_filters.map((f: Json) => f.name)).toEqual(['envoy.filters.listener.tls_inspector']);
    expect(l.filter_chains).toHaveLength(1);
    const [chain] = l.filter_chains;
    expect(chain.filter_chain_match).toEqual({ transport_protocol: 'tls' });
    expect(chain.transport_socket.typed_config.require_client_certificate).toBe(true);
    expect(sans(chain.transport_socket)).toEqual([{ san_type: 'URI', matcher: { prefix: 'spiffe://bank.example/' } }]);
    expect(tlsContext(chain.transport_socket).tls_params).toEqual({
      tls_minimum_protocol_version: 'TLSv1_2',
      tls_maximum_protocol_version: 'TLSv1_3',
    });
    expect(tlsContext(chain.transport_socket).alpn_protocols).toEqual(['h2', 'http/1.1']);
  });

  it('expects exactly the identity of the version a cluster targets, with ALPN by protocol', () => {
    const clusters = snapshots['accounts/v1'].resources.clusters;
    for (const v of ['v1', 'v2']) {
      const c = byName(clusters, `outbound|9090|${v}|ledger`);
      expect(sans(c.transport_socket)).toEqual([
        { san_type: 'URI', matcher: { exact: `spiffe://bank.example/ledger/${v}` } },
      ]);
      expect(tlsContext(c.transport_socket).alpn_protocols).toEqual(['h2']);
    }
    const rates = byName(clusters, 'outbound|7000|v1|rates');
    expect(tlsContext(rates.transport_socket).alpn_protocols).toEqual(['http/1.1']);
    // The inbound cluster to the application on loopback stays plaintext.
    expect(byName(clusters, 'inbound|8080|v1|accounts').transport_socket).toBeUndefined();
  });

  it('gives every proxy its certificate and trust bundle as SDS secrets watched on disk', () => {
    for (const proxy of ['accounts/v1', 'edge']) {
      const secrets = snapshots[proxy].resources.secrets as readonly Json[];
      expect(secrets.map((s) => s.name)).toEqual(['identity', 'trust-bundle']);
      expect(secrets[0].tls_certificate).toEqual({
        certificate_chain: { filename: '/etc/trellis/tls/cert.pem' },
        private_key: { filename: '/etc/trellis/tls/key.pem' },
        watched_directory: { path: '/etc/trellis/tls' },
      });
      expect(secrets[1].validation_context.trusted_ca).toEqual({ filename: '/etc/trellis/tls/ca.pem' });
    }
  });

  it('inlines certificates a control plane issues, so a rotation is a new snapshot version', () => {
    const pem = (n: string) => ({ certificateChain: `CERT ${n}`, privateKey: `KEY ${n}`, trustBundle: 'CA' });
    const at = (n: string) =>
      compile(model, endpointsFor(model), { placement: () => ({ tls: { certificates: pem(n) } }) }).snapshots[
        'ledger/v1'
      ];
    const [a, b] = [at('1'), at('2')];
    expect((a.resources.secrets[0] as Json).tls_certificate.certificate_chain).toEqual({ inline_string: 'CERT 1' });
    expect(a.version).not.toBe(b.version);
  });

  it('accepts plaintext beside mTLS in permissive mode, and nothing of TLS when disabled', async () => {
    const spec = (mode: string) => ({ ...baseSpec(), mtls: { mode } }) as MeshSpec;
    const permissive = compileSpec(spec('permissive'));
    const l = byName(permissive['api/v1'].resources.listeners, 'ingress-8080');
    expect(l.filter_chains.map((c: Json) => c.name)).toEqual(['mtls', 'plaintext']);
    expect(l.filter_chains[1].transport_socket).toBeUndefined();
    const disabled = compileSpec(spec('disabled'));
    expect(JSON.stringify(disabled)).not.toMatch(/transport_socket|tls_inspector/);
    expect(disabled['api/v1'].resources.secrets).toEqual([]);
  });

  it('names static secrets with no SDS source in a static bootstrap', () => {
    const b = staticBootstrap(snapshots['accounts/v1'], { proxy: 'accounts/v1' }) as Json;
    expect(JSON.stringify(b)).not.toMatch(/sds_config/);
    expect(b.static_resources.secrets.map((s: Json) => s.name)).toEqual(['identity', 'trust-bundle']);
    const chain = b.static_resources.listeners.find((l: Json) => l.name === 'ingress-8080').filter_chains[0];
    expect(tlsContext(chain.transport_socket).tls_certificate_sds_secret_configs).toEqual([{ name: 'identity' }]);
  });
});

describe('authorization', () => {
  const httpFilters = (proxy: string, listener: string) =>
    byName(snapshots[proxy].resources.listeners, listener).filter_chains[0].filters[0].typed_config.http_filters;
  const networkFilters = (proxy: string, listener: string) =>
    byName(snapshots[proxy].resources.listeners, listener).filter_chains[0].filters;

  it('runs DENY rules before ALLOW rules, ahead of every other HTTP filter', () => {
    const filters = httpFilters('accounts/v1', 'ingress-8080');
    expect(filters.map((f: Json) => f.name)).toEqual([
      'envoy.filters.http.rbac',
      'envoy.filters.http.rbac',
      'envoy.filters.http.router',
    ]);
    const [deny, allow] = filters.map((f: Json) => f.typed_config.rules);
    expect(deny).toEqual({
      action: 'DENY',
      policies: {
        'deny-1': {
          permissions: [{ or_rules: { rules: [{ url_path: { path: { prefix: '/accounts/admin' } } }] } }],
          principals: [{ any: true }],
        },
      },
    });
    expect(allow.action).toBe('ALLOW');
    expect(allow.policies['allow-0']).toEqual({
      permissions: [
        {
          and_rules: {
            rules: [
              { or_rules: { rules: [{ url_path: { path: { prefix: '/accounts' } } }] } },
              {
                or_rules: {
                  rules: [
                    { header: { name: ':method', string_match: { exact: 'GET' } } },
                    { header: { name: ':method', string_match: { exact: 'POST' } } },
                  ],
                },
              },
            ],
          },
        },
      ],
      principals: [{ authenticated: { principal_name: { exact: 'spiffe://bank.example/edge' } } }],
    });
  });

  it('matches a service caller by prefix over its versions, a version exactly, gRPC methods by path regex', () => {
    const [allow] = httpFilters('ledger/v2', 'ingress-9090').map((f: Json) => f.typed_config.rules);
    expect(allow.policies['allow-0'].principals).toEqual([
      { authenticated: { principal_name: { exact: 'spiffe://bank.example/accounts/v1' } } },
      { authenticated: { principal_name: { exact: 'spiffe://bank.example/edge' } } },
    ]);
    expect(allow.policies['allow-0'].permissions).toEqual([
      { or_rules: { rules: [{ url_path: { path: { safe_regex: { regex: '/bank\\.Ledger/(Get|List).*' } } } }] } },
    ]);
    const [, rates] = httpFilters('rates/v1', 'ingress-7000').map((f: Json) => f.typed_config.rules);
    expect(rates.policies['allow-0'].principals[0]).toEqual({
      authenticated: { principal_name: { prefix: 'spiffe://bank.example/accounts/' } },
    });
  });

  it('fails closed on TCP: a DENY drops the method it cannot see, per port', () => {
    const filters = networkFilters('rates/v1', 'ingress-7001');
    expect(filters.map((f: Json) => f.name)).toEqual([
      'envoy.filters.network.rbac',
      'envoy.filters.network.rbac',
      'envoy.filters.network.tcp_proxy',
    ]);
    expect(filters[0].typed_config.rules.policies['deny-1'].permissions).toEqual([{ any: true }, { any: true }]);
    // On the HTTP port the method is checked, and the port-7001-only operation does not apply.
    const [deny] = httpFilters('rates/v1', 'ingress-7000').map((f: Json) => f.typed_config.rules);
    expect(deny.policies['deny-1'].permissions).toEqual([
      { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'POST' } } }] } },
    ]);
  });

  it('refuses escaped slashes where authorization reads the path', () => {
    const hcm = (proxy: string) =>
      byName(snapshots[proxy].resources.listeners, 'ingress-8080').filter_chains[0].filters[0].typed_config;
    expect(hcm('accounts/v1').path_with_escaped_slashes_action).toBe('REJECT_REQUEST');
    expect(hcm('accounts/v1').normalize_path).toBe(true);
    expect(hcm('accounts/v1').merge_slashes).toBe(true);
  });

  it('refuses everyone when the rule list is empty, and leaves services without rules open', () => {
    const [allow] = networkFilters('vault/v1', 'ingress-8200');
    expect(allow.typed_config.rules).toEqual({ action: 'ALLOW', policies: {} });
    const api = compileSpec({ ...baseSpec(), mtls: { mode: 'strict' } } as MeshSpec)['api/v1'];
    expect(JSON.stringify(api.resources.listeners)).not.toMatch(/rbac/);
  });
});

describe('JWT at the gateway', () => {
  it('checks tokens before routing, with one requirement per set of providers routes accept', () => {
    const hcm = byName(snapshots.edge.resources.listeners, 'gateway-8443').filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters.map((f: Json) => f.name)).toEqual([
      'envoy.filters.http.jwt_authn',
      'envoy.filters.http.router',
    ]);
    const jwt = hcm.http_filters[0].typed_config;
    expect(jwt.providers.corp).toEqual({
      issuer: 'https://login.bank.example',
      audiences: ['bank-api'],
      forward: false,
      clock_skew_seconds: 30,
      remote_jwks: {
        http_uri: {
          uri: 'https://login.bank.example/.well-known/jwks.json',
          cluster: 'jwks|443|login.bank.example',
          timeout: '5s',
        },
        cache_duration: '300s',
        async_fetch: {},
      },
      claim_to_headers: [
        { claim_name: 'sub', header_name: 'x-user-id' },
        { claim_name: 'tenant', header_name: 'x-tenant' },
      ],
    });
    expect(jwt.providers.partners.local_jwks).toEqual({ filename: '/etc/trellis/jwks/partners.json' });
    expect(jwt.requirement_map).toEqual({
      'any-of:corp,partners': {
        requires_any: { requirements: [{ provider_name: 'corp' }, { provider_name: 'partners' }] },
      },
      'any-of:partners': { provider_name: 'partners' },
    });
    const jwks = byName(snapshots.edge.resources.clusters, 'jwks|443|login.bank.example');
    expect(jwks.transport_socket.typed_config.sni).toBe('login.bank.example');
  });

  it('names each route its requirement, and lets public routes and the health check through', () => {
    const vh = virtualHost(snapshots.edge, 'gateway-8443', '*');
    const perRoute = (name: string) => route(vh, name).typed_per_filter_config['envoy.filters.http.jwt_authn'];
    expect(perRoute('health').disabled).toBe(true);
    expect(perRoute('edge/public-rates/rates/default-7000').disabled).toBe(true);
    expect(perRoute('edge/accounts/accounts/default-8080').requirement_name).toBe('any-of:corp,partners');
    expect(perRoute('edge/partner-ledger/ledger/split').requirement_name).toBe('any-of:partners');
  });
});

describe('validation', () => {
  it('explains every broken security reference at its path', () => {
    const spec = {
      ...baseSpec(),
      services: {
        ...baseSpec().services,
        db: {
          versions: { v1: { listeners: [{ port: 5432, protocol: 'tcp' }] } },
          authorization: [
            { from: ['nope', { service: 'api', version: 'v9' }, { gateway: 'gw' }, { identity: 'http://x' }] },
            { to: [{ methods: ['GET'] }, { ports: [1] }] },
          ],
        },
      },
      gateways: {
        web: {
          listeners: [{ port: 80, protocol: 'http' }],
          routes: [{ name: 'r', target: { service: 'api' }, jwt: { providers: ['x'] } }],
        },
      },
    } as unknown as MeshSpec;
    expect(validateMesh(spec).problems.map(formatProblem)).toEqual([
      'services.db.authorization[0].from[3].identity: must be a SPIFFE ID (spiffe://…) (got "http://x")',
    ]);
    const fixed = structuredClone(spec) as any;
    fixed.services.db.authorization[0].from[3] = { identity: 'spiffe://other/x' };
    expect(validateMesh(fixed).problems.map(formatProblem)).toEqual([
      "services.db.authorization[0].from: callers are known by their mTLS identity: set mtls.mode to 'strict' or 'permissive'",
      "services.db.authorization[0].from[0]: no service named 'nope' in the mesh",
      "services.db.authorization[0].from[1].version: service 'api' has no version 'v9' (versions: v1)",
      "services.db.authorization[0].from[2].gateway: no gateway named 'gw' in the mesh",
      'services.db.authorization[1].to[0].methods: TCP listeners carry no requests: paths and methods need an http, http2 or grpc port',
      "services.db.authorization[1].to[1].ports[0]: service 'db' has no listener on port 1 (ports: 5432)",
      'gateways.web.routes[0].jwt: the gateway has no jwt providers to require tokens from',
    ]);
  });
});

function baseSpec() {
  return {
    name: 'small',
    services: {
      api: { versions: { v1: { listeners: [{ port: 8080, protocol: 'http' }] } } },
      web: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }], backends: ['api'] } } },
    },
  };
}

function compileSpec(spec: MeshSpec) {
  const { model, problems } = validateMesh(spec);
  if (!model) throw new Error(problems.map(formatProblem).join('\n'));
  return compile(model).snapshots;
}
