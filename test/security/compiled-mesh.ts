/**
 * The compiler's own output, made runnable on 127.0.0.1 for integration tests: `trellis compile
 * test/fixtures/meshes/security.yaml --proxy <name>` gives a sidecar's listeners; `localize`
 * binds them to port 0 on loopback, points SDS references at static secrets (same names), and
 * sends HTTP and TCP traffic to local clusters. The TLS, RBAC and filter configs are untouched,
 * so these tests check the proxy against exactly what the control plane emits.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Doc } from '../support/envoy-config';
import { REPO_ROOT } from '../support/proxy-bundle';

export const SECURITY_MESH = join(REPO_ROOT, 'test', 'fixtures', 'meshes', 'security.yaml');

export function compileProxy(proxy: string, mesh = SECURITY_MESH): Doc {
  const out = execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'trellis.js'), 'compile', mesh, '--proxy', proxy],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  return JSON.parse(out);
}

function dropSdsSources(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropSdsSources);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'sds_config') out[k] = dropSdsSources(x);
    return out;
  }
  return v;
}

/** A compiled listener on 127.0.0.1:0 with static secrets, HTTP routed to `httpCluster`, TCP to `tcpCluster`. */
export function localize(listener: Doc, clusters: { http: string; tcp: string }, accessLogPath?: string): Doc {
  const l = dropSdsSources(listener) as Doc;
  l.address = { socket_address: { address: '127.0.0.1', port_value: 0 } };
  delete l['@type'];
  for (const fc of l.filter_chains) {
    for (const f of fc.filters) {
      const tc = f.typed_config;
      if (f.name === 'envoy.filters.network.http_connection_manager') {
        delete tc.rds;
        tc.route_config = {
          name: 'local',
          virtual_hosts: [
            { name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: clusters.http } }] },
          ],
        };
        if (accessLogPath) {
          tc.access_log = [
            {
              name: 'envoy.access_loggers.file',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
                path: accessLogPath,
                log_format: {
                  text_format_source: {
                    inline_string:
                      '%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %DOWNSTREAM_PEER_URI_SAN%\n',
                  },
                },
              },
            },
          ];
        }
      } else if (f.name === 'envoy.filters.network.tcp_proxy') tc.cluster = clusters.tcp;
    }
  }
  return l;
}
