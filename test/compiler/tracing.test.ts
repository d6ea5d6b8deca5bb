/** X-Ray tracing as compiled: every HTTP connection manager of every proxy reports segments. */
import { compile } from '../../lib/compiler/compile';
import { validateJson } from '../../lib/envoy';
import type { MeshSpec } from '../../lib/model/mesh';
import { formatProblem } from '../../lib/model/problem';
import { validateMesh } from '../../lib/model/validate';

type Json = Record<string, any>;

function snapshots(spec: MeshSpec) {
  const { model, problems } = validateMesh(spec);
  if (!model) throw new Error(problems.map(formatProblem).join('\n'));
  return compile(model).snapshots;
}

const spec = (tracing?: MeshSpec['tracing']): MeshSpec => ({
  name: 'shop',
  ...(tracing ? { tracing } : {}),
  gateways: {
    edge: { listeners: [{ port: 8080, protocol: 'http' }], routes: [{ name: 'r', target: { service: 'api' } }] },
  },
  services: {
    api: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }] } } },
    web: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }], backends: ['api'] } } },
  },
});

const hcms = (listeners: readonly Json[]) =>
  listeners.map((l) => [l.name, l.filter_chains[0].filters[0].typed_config] as const);

it('names each proxy segment <mesh>/<proxy>, on ingress, egress and gateway listeners', () => {
  const s = snapshots(spec({ xray: { daemon: { address: '127.0.0.1', port: 2000 } } }));
  const seen: string[] = [];
  for (const [proxy, snap] of Object.entries(s)) {
    for (const [name, hcm] of hcms(snap.resources.listeners as readonly Json[])) {
      expect(hcm.tracing).toEqual({
        provider: {
          name: 'envoy.tracers.xray',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.config.trace.v3.XRayConfig',
            segment_name: `shop/${proxy}`,
            daemon_endpoint: { protocol: 'UDP', address: '127.0.0.1', port_value: 2000 },
          },
        },
      });
      expect(validateJson(hcm['@type'], hcm)).toEqual([]);
      seen.push(`${proxy} ${name}`);
    }
  }
  expect(seen.sort()).toEqual([
    'api/v1 ingress-3000',
    'edge gateway-8080',
    'web/v1 egress-http',
    'web/v1 ingress-3000',
  ]);
});

it('leaves the daemon to the proxy (the task sidecar) when not set, and traces nothing when off', () => {
  const on = snapshots(spec({ xray: {} }));
  const [, hcm] = hcms(on['api/v1'].resources.listeners as readonly Json[])[0];
  expect(hcm.tracing.provider.typed_config).toEqual({
    '@type': 'type.googleapis.com/envoy.config.trace.v3.XRayConfig',
    segment_name: 'shop/api/v1',
  });
  expect(JSON.stringify(snapshots(spec()))).not.toMatch(/tracing/);
});
