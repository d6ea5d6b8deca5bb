/** Fixture meshes for compiler tests, loaded through the same path `trellis compile` uses. */
import { join } from 'node:path';
import type { EndpointSet } from '../../lib/compiler/endpoints';
import type { EnvoyResource, Snapshot } from '../../lib/compiler/snapshot';
import { loadMeshFile } from '../../lib/model/load';
import type { MeshModel } from '../../lib/model/model';
import { formatProblem } from '../../lib/model/problem';

export const ROOT = join(__dirname, '..', '..');
export const FIXTURES = ['routing', 'gateway', 'protocols', 'security'].map((n) =>
  join(ROOT, 'test', 'fixtures', 'meshes', `${n}.yaml`),
);
export const ALL_MESHES = [...FIXTURES, join(ROOT, 'examples', 'demo', 'mesh.yaml')];

export async function loadModel(file: string): Promise<MeshModel> {
  const loaded = await loadMeshFile(file);
  if (!loaded.model) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  return loaded.model;
}

/** Two endpoints per version (one unhealthy in zone b), so load assignments are not empty. */
export function endpointsFor(model: MeshModel): EndpointSet {
  const out: Record<string, EndpointSet[string]> = {};
  let n = 1;
  for (const s of model.services) {
    for (const v of s.versions) {
      const ports = Object.fromEntries(v.listeners.map((l) => [String(l.port), l.port]));
      out[`${s.name}/${v.name}`] = [
        { address: `10.0.0.${n}`, port: v.listeners[0]?.port, ports, zone: 'us-east-1a', instanceId: `i-${n}` },
        { address: `10.0.1.${n}`, port: v.listeners[0]?.port, ports, zone: 'us-east-1b', health: 'UNHEALTHY' },
      ];
      n++;
    }
  }
  return out;
}

type Json = Record<string, any>;

export function byName(resources: readonly EnvoyResource[], name: string): Json {
  const r = resources.find((x) => x.name === name || x.cluster_name === name);
  if (!r) throw new Error(`no resource '${name}' (have: ${resources.map((x) => x.name ?? x.cluster_name).join(', ')})`);
  return r as Json;
}

export function virtualHost(snapshot: Snapshot, routeConfig: string, vhost: string): Json {
  const rc = byName(snapshot.resources.routes, routeConfig);
  const vh = rc.virtual_hosts.find((v: Json) => v.name === vhost);
  if (!vh)
    throw new Error(
      `no virtual host '${vhost}' in ${routeConfig} (have: ${rc.virtual_hosts.map((v: Json) => v.name).join(', ')})`,
    );
  return vh;
}

export function route(vh: Json, name: string): Json {
  const r = vh.routes.find((x: Json) => x.name === name);
  if (!r) throw new Error(`no route '${name}' (have: ${vh.routes.map((x: Json) => x.name).join(', ')})`);
  return r;
}
