/**
 * RBAC semantics as Envoy defines them, on the proxy's engine directly: ALLOW refuses what no
 * policy matches (deny by default), DENY refuses what a policy matches, rules combine with
 * and/or/not, `url_path` ignores the query, `authenticated` needs a verified peer.
 */
import { Fields, newContext } from '../../proxy-image/src/config/fields';
import { parseRbacRules } from '../../proxy-image/src/rbac/rbac-engine';
import type { RbacRequest } from '../../proxy-image/src/rbac/rbac-request';

function engine(rules: object) {
  return parseRbacRules(Fields.of(rules, 'rules', newContext()));
}

function req(method: string, path: string, principal?: string): RbacRequest {
  return {
    request: { method, path, authority: 'rates', scheme: 'https', headers: {} },
    peer: principal
      ? { principal, sans: { URI: [principal], DNS: [], EMAIL: [], IP_ADDRESS: [] }, protocol: 'TLSv1.3', alpn: 'h2' }
      : undefined,
    directRemoteIp: '127.0.0.1',
    remoteIp: '127.0.0.1',
    localIp: '127.0.0.1',
    localPort: 15000,
  };
}

const accounts = { authenticated: { principal_name: { prefix: 'spiffe://bank.example/accounts/' } } };

test('ALLOW: only what a policy matches passes; nothing else (deny by default)', () => {
  const e = engine({
    action: 'ALLOW',
    policies: {
      reads: {
        permissions: [
          {
            and_rules: {
              rules: [
                { url_path: { path: { prefix: '/rates' } } },
                { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }] } },
              ],
            },
          },
        ],
        principals: [accounts],
      },
    },
  });
  expect(e.evaluate(req('GET', '/rates?x=1', 'spiffe://bank.example/accounts/v1'))).toEqual({
    allowed: true,
    policy: 'reads',
  });
  expect(e.evaluate(req('POST', '/rates', 'spiffe://bank.example/accounts/v1')).allowed).toBe(false);
  expect(e.evaluate(req('GET', '/rates', 'spiffe://bank.example/ledger/v1')).allowed).toBe(false);
  expect(e.evaluate(req('GET', '/rates')).allowed).toBe(false);
  expect(
    engine({ action: 'ALLOW', policies: {} }).evaluate(req('GET', '/', 'spiffe://bank.example/accounts/v1')).allowed,
  ).toBe(false);
});

test('DENY: what a policy matches is refused and named; not_rule inverts', () => {
  const e = engine({
    action: 'DENY',
    policies: {
      admin: { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: [{ any: true }] },
      'not-get': {
        permissions: [{ not_rule: { header: { name: ':method', string_match: { exact: 'GET' } } } }],
        principals: [{ not_id: accounts }],
      },
    },
  });
  expect(e.evaluate(req('GET', '/admin/x', 'spiffe://bank.example/accounts/v1'))).toEqual({
    allowed: false,
    policy: 'admin',
  });
  expect(e.evaluate(req('POST', '/x', 'spiffe://bank.example/ledger/v1'))).toEqual({
    allowed: false,
    policy: 'not-get',
  });
  expect(e.evaluate(req('POST', '/x', 'spiffe://bank.example/accounts/v1')).allowed).toBe(true);
  expect(e.evaluate(req('GET', '/x')).allowed).toBe(true);
});

test('bad policies are config errors naming the field', () => {
  expect(() => engine({ action: 'ALLOW', policies: { p: { permissions: [{ any: true }], principals: [] } } })).toThrow(
    /rules\.policies\.p\.principals: must list at least one principal/,
  );
  expect(() =>
    engine({ action: 'ALLOW', policies: { p: { permissions: [{ metadata: {} }], principals: [{ any: true }] } } }),
  ).toThrow(/metadata: is not supported/);
});
