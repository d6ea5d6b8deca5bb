/**
 * What `trellis up` prints once the mesh is ready: a table of what runs where, the requests to
 * try through each gateway (one per gateway route, with the header its match needs), and where
 * the dashboard, registry and xDS are.
 */
import type { GatewayRouteModel, MeshModel } from '../model/model';
import type { ProxyLayout } from './layout';
import { LOOPBACK } from './port-allocator';

export interface ReadyState {
  readonly dashboard: string;
  readonly registry: string;
  readonly xdsPort: number;
  readonly proxies: readonly ProxyLayout[];
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A value a header match accepts, when one is easy to tell (exact, prefix, a plain regex). */
function sampleValue(h: { exact?: string; prefix?: string; suffix?: string; regex?: string }): string | undefined {
  if (h.exact !== undefined) return h.exact;
  if (h.prefix !== undefined) return h.prefix;
  if (h.suffix !== undefined) return `x${h.suffix}`;
  if (h.regex !== undefined) {
    const plain = h.regex
      .replace(/^\(\?i\)/, '')
      .replace(/^\^/, '')
      .replace(/(\.\*|\$)$/, '');
    return /^[A-Za-z0-9 _/-]+$/.test(plain) ? plain : undefined;
  }
  return undefined;
}

function curlFor(r: GatewayRouteModel, port: number): string | undefined {
  const path = r.match.path.exact ?? r.match.path.prefix ?? '/';
  const headers: string[] = [];
  for (const h of r.match.headers) {
    if (h.invert || h.present === false) continue;
    const v = h.present ? 'yes' : sampleValue(h);
    if (v === undefined) return undefined;
    headers.push(`-H '${h.name}: ${v}' `);
  }
  const host = r.hostname?.exact ? `-H 'host: ${r.hostname.exact}' ` : '';
  return `curl ${host}${headers.join('')}http://${LOOPBACK}:${port}${path}`;
}

export function readyReport(state: ReadyState, model: MeshModel): string {
  const rows: string[][] = [];
  for (const p of state.proxies) {
    if (p.kind === 'gateway') {
      for (const [listener, port] of Object.entries(p.gatewayPorts)) {
        rows.push([
          p.name,
          '(gateway)',
          '-',
          `${port}${Number(listener) === port ? '' : ` (mesh ${listener})`}`,
          String(p.adminPort),
        ]);
      }
      continue;
    }
    const v = model.services.find((s) => s.name === p.service)?.versions.find((x) => x.name === p.version);
    const first = v?.listeners[0]?.port;
    rows.push([
      p.service!,
      p.version!,
      first === undefined ? '-' : `${p.appPorts[first]}${v?.run ? '' : ' (not run)'}`,
      first === undefined ? '-' : String(p.ingressPorts[first]),
      String(p.adminPort),
    ]);
  }
  const lines = ['', formatTable(['SERVICE', 'VERSION', 'APP PORT', 'PROXY PORT', 'ADMIN PORT'], rows), ''];
  const tries: string[] = [];
  for (const g of model.gateways) {
    const p = state.proxies.find((x) => x.name === g.name);
    for (const r of g.routes) {
      const port = p?.gatewayPorts[r.port];
      const curl = port === undefined ? undefined : curlFor(r, port);
      if (curl) tries.push(`  ${curl.padEnd(60)}  # ${g.name} route ${r.name} → ${r.target.service}`);
    }
  }
  if (tries.length) lines.push('Try:', ...tries, '');
  lines.push(
    `Dashboard:  ${state.dashboard}`,
    `Registry:   ${state.registry}`,
    `xDS (ADS):  ${LOOPBACK}:${state.xdsPort}`,
    '',
    'Edit the mesh file to change routes and weights live; Ctrl-C stops everything.',
    'trellis: ready',
    '',
  );
  return lines.join('\n');
}
