/**
 * What `trellis up` runs for a proxy: its bootstrap (ADS from the embedded control plane, an
 * admin port of its own) and the command lines of the proxy and of the version's application,
 * with the environment an application is told its place in the mesh by.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { adsBootstrap } from '../compiler/bootstrap';
import type { MeshModel, VersionModel } from '../model/model';
import type { ProxyLayout } from './layout';
import { LOOPBACK } from './port-allocator';
import type { ProxyCommand } from './proxy-command';
import type { UnitSpec } from './supervisor';

/** Histograms flush every 2 s so the dashboard's p99 follows traffic closely. */
const STATS_FLUSH_INTERVAL = '2s';

export const proxyUnitName = (proxy: string) => `${proxy} proxy`;

export function proxyUnit(p: ProxyLayout, cmd: ProxyCommand, runDir: string, xdsPort: number): UnitSpec {
  const bootstrap = {
    ...adsBootstrap({ proxy: p.name, adminAddress: LOOPBACK, adminPort: p.adminPort, xdsAddress: LOOPBACK, xdsPort }),
    stats_flush_interval: STATS_FLUSH_INTERVAL,
  };
  const file = join(runDir, `${p.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.bootstrap.json`);
  writeFileSync(file, `${JSON.stringify(bootstrap, null, 2)}\n`);
  return {
    name: proxyUnitName(p.name),
    command: cmd.command,
    args: [...cmd.args, '--config', file, '--drain-time-s', '1', '--log-level', 'error'],
    env: cmd.env,
    show: 'stderr',
  };
}

/**
 * The application of a version: `run.command` through the shell, in `run.cwd` (relative to the
 * mesh file), with `PORT` (its first listener's port) and the TRELLIS_* variables set.
 */
export function appUnit(model: MeshModel, meshFile: string, v: VersionModel, p: ProxyLayout): UnitSpec | undefined {
  if (!v.run) return undefined;
  const first = v.listeners[0];
  const env: Record<string, string> = {
    TRELLIS_MESH: model.name,
    TRELLIS_SERVICE: v.service,
    TRELLIS_VERSION: v.name,
    ...(p.egressPort !== undefined
      ? { TRELLIS_EGRESS_PORT: String(p.egressPort), TRELLIS_EGRESS: `http://${LOOPBACK}:${p.egressPort}` }
      : {}),
    // Every listener's port, for applications with several: `3000=41234,9090=41240`.
    TRELLIS_PORTS: v.listeners.map((l) => `${l.port}=${p.appPorts[l.port]}`).join(','),
    ...(v.run.env ?? {}),
    ...(first ? { PORT: String(p.appPorts[first.port]) } : {}),
  };
  return {
    name: v.service + '/' + v.name,
    command: v.run.command,
    shell: true,
    cwd: resolve(dirname(meshFile), v.run.cwd ?? '.'),
    env,
    show: 'all',
  };
}
