/**
 * All App Mesh resources of the input, checked and settled: the kind of every bare spec, the
 * virtual router or gateway of every bare route, one mesh, and for a resource given more than
 * once the last version. Every such decision is reported as an inference.
 */
import type { MeshSpec } from '@aws-sdk/client-app-mesh';
import { issuesToProblems } from '../model/schema-issues';
import { nameFromFile } from './api-json';
import type { Document, Resource } from './document';
import { documentSchema, KINDS, type ResourceKind } from './kinds';
import type { ImportReport } from './report';

export interface Inventory {
  readonly meshName: string;
  readonly mesh?: Resource<'mesh'>;
  readonly virtualNodes: ReadonlyMap<string, Resource<'virtualNode'>>;
  readonly virtualServices: ReadonlyMap<string, Resource<'virtualService'>>;
  readonly virtualRouters: ReadonlyMap<string, Resource<'virtualRouter'>>;
  readonly routes: readonly Resource<'route'>[];
  readonly virtualGateways: ReadonlyMap<string, Resource<'virtualGateway'>>;
  readonly gatewayRoutes: readonly Resource<'gatewayRoute'>[];
}

export interface InventoryOptions {
  /** The mesh to import when the input holds several; the mesh's name when it holds none. */
  readonly mesh?: string;
}

/** When no file names the mesh. */
export const DEFAULT_MESH_NAME = 'imported';

type Json = Record<string, unknown>;
const get = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Json)[k] : undefined), v);

/** Names other documents use for routers, nodes and gateways: they settle what a bare spec is. */
function references(docs: readonly Document[]) {
  const refs = { virtualRouter: new Set<string>(), virtualNode: new Set<string>(), virtualGateway: new Set<string>() };
  for (const d of docs) {
    const add = (set: Set<string>, v: unknown) => typeof v === 'string' && set.add(v);
    if (d.kind === 'virtualService') {
      add(refs.virtualRouter, get(d.value, 'spec', 'provider', 'virtualRouter', 'virtualRouterName'));
      add(refs.virtualNode, get(d.value, 'spec', 'provider', 'virtualNode', 'virtualNodeName'));
    }
    if (d.kind === 'route') {
      add(refs.virtualRouter, d.value.virtualRouterName);
      for (const key of ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute']) {
        const targets = get(d.value, 'spec', key, 'action', 'weightedTargets');
        if (Array.isArray(targets)) for (const t of targets) add(refs.virtualNode, get(t, 'virtualNode'));
      }
    }
    if (d.kind === 'gatewayRoute') add(refs.virtualGateway, d.value.virtualGatewayName);
  }
  return refs;
}

const LABEL = (k: ResourceKind) => KINDS[k].label;

function settleKind(d: Document, refs: ReturnType<typeof references>): { kind: ResourceKind; why: string } {
  const name = nameFromFile(d.source.file);
  const c = d.candidates;
  if (c.length === 1) return { kind: c[0], why: "from the spec's shape" };
  for (const k of ['virtualRouter', 'virtualNode', 'virtualGateway'] as const) {
    if (c.includes(k) && refs[k].has(name)) return { kind: k, why: `other resources refer to '${name}' as one` };
  }
  const hint = d.specOnly?.hintKind;
  if (hint && c.includes(hint)) return { kind: hint, why: "from the file's name or directory" };
  const kind = c.includes('virtualNode') ? 'virtualNode' : c[0];
  return {
    kind,
    why: `the spec would also fit a ${c
      .filter((k) => k !== kind)
      .map(LABEL)
      .join(' or ')}; name the file or its directory after the kind (e.g. catalog-router.json) to choose`,
  };
}

function settleParent(
  d: Document,
  kind: 'route' | 'gatewayRoute',
  parents: ReadonlySet<string>,
  report: ImportReport,
): string | undefined {
  const parentKind = KINDS[kind].parent!;
  const directory = d.specOnly!.directory;
  if (parents.has(directory)) {
    report.inferred(d.source, [], `belongs to ${LABEL(parentKind)} '${directory}', its directory's name`);
    return directory;
  }
  if (parents.size === 1) {
    const [only] = parents;
    report.inferred(d.source, [], `belongs to ${LABEL(parentKind)} '${only}', the only one in the input`);
    return only;
  }
  report.error(
    d.source,
    [],
    `cannot tell which ${LABEL(parentKind)} this ${LABEL(kind)} belongs to (${parents.size ? `the input has ${[...parents].join(', ')}` : 'the input has none'}); give ${KINDS[parentKind].nameKey} as a --cli-input-json file does, or put the file in a directory named after it`,
  );
  return undefined;
}

function parse(d: Document, kind: ResourceKind, report: ImportReport): Resource | undefined {
  // A bare spec has no mesh name: the chosen mesh supplies it.
  const schema = documentSchema(kind, { meshOptional: d.specOnly !== undefined && kind !== 'mesh' });
  const result = schema.safeParse(d.value);
  if (!result.success) {
    for (const p of issuesToProblems(result.error.issues, schema)) {
      // "did you mean 'awsCloudMap'?" reads "did you mean 'AWSCloudMap'?" in a template.
      const reason = p.reason.replace(
        /did you mean '([^']+)'/,
        (_m, k: string) => `did you mean '${d.source.spell(k)}'`,
      );
      report.error(d.source, p.path, reason);
    }
    return undefined;
  }
  const v = result.data as Json;
  const info = KINDS[kind];
  // Bookkeeping with no effect on traffic, but said out loud: nothing is dropped silently.
  if (Array.isArray(v.tags) && v.tags.length > 0) {
    report.ignored(d.source, ['tags'], 'tags are AWS bookkeeping; a Trellis mesh file has none');
  }
  if (v.meshOwner !== undefined) {
    report.ignored(d.source, ['meshOwner'], 'a shared mesh belongs to one account in Trellis: the one that deploys it');
  }
  return {
    kind,
    name: v[info.nameKey] as string,
    mesh: kind === 'mesh' ? (v.meshName as string) : (v.meshName as string | undefined),
    parent: info.parent ? (v[KINDS[info.parent].nameKey] as string) : undefined,
    spec: (v.spec ?? {}) as MeshSpec,
    source: d.source,
    version: get(v, 'metadata', 'version') as number | undefined,
  };
}

function chooseMesh(resources: readonly Resource[], opts: InventoryOptions, report: ImportReport): string | undefined {
  const meshes = [...new Set(resources.map((r) => r.mesh).filter((m) => m !== undefined))].sort();
  if (opts.mesh !== undefined) {
    if (meshes.length > 0 && !meshes.includes(opts.mesh)) {
      report.add('error', '--mesh', '', `the input has no mesh '${opts.mesh}' (meshes: ${meshes.join(', ')})`);
      return undefined;
    }
    return opts.mesh;
  }
  if (meshes.length > 1) {
    report.add('error', '--mesh', '', `the input holds several meshes (${meshes.join(', ')}); choose one with --mesh`);
    return undefined;
  }
  if (meshes.length === 0) {
    const first = resources[0]?.source;
    if (first)
      report.inferred(first, [], `no file names the mesh; it is called '${DEFAULT_MESH_NAME}' (choose with --mesh)`);
    return DEFAULT_MESH_NAME;
  }
  return meshes[0];
}

export function buildInventory(
  docs: readonly Document[],
  opts: InventoryOptions,
  report: ImportReport,
): Inventory | undefined {
  const refs = references(docs);
  const settled: { d: Document; kind: ResourceKind }[] = [];
  for (const d of docs) {
    if (d.kind && !d.specOnly) {
      settled.push({ d, kind: d.kind });
      continue;
    }
    const { kind, why } = settleKind(d, refs);
    report.inferred(d.source, [], `a ${LABEL(kind)} (${why}), named '${nameFromFile(d.source.file)}' after the file`);
    settled.push({ d, kind });
  }
  const names = (kind: ResourceKind) =>
    new Set(
      settled
        .filter((s) => s.kind === kind)
        .map((s) => (s.d.specOnly ? nameFromFile(s.d.source.file) : s.d.value[KINDS[kind].nameKey]))
        .filter((n): n is string => typeof n === 'string'),
    );

  const resources: Resource[] = [];
  for (const { d, kind } of settled) {
    let doc = d;
    if (d.specOnly) {
      const value: Json = { [KINDS[kind].nameKey]: nameFromFile(d.source.file), spec: d.value.spec };
      if (kind === 'route' || kind === 'gatewayRoute') {
        const parent = settleParent(d, kind, names(KINDS[kind].parent!), report);
        if (parent === undefined) continue;
        value[KINDS[KINDS[kind].parent!].nameKey] = parent;
      }
      doc = { ...d, value };
    }
    const r = parse(doc, kind, report);
    if (r) resources.push(r);
  }
  if (report.hasErrors) return undefined;

  // A mesh name only a deployed stack knows (`${Import:mesh}`) is the one --mesh names.
  if (opts.mesh !== undefined) {
    resources.forEach((r, i) => {
      if (r.mesh === undefined || !r.mesh.includes('${')) return;
      report.inferred(r.source, ['meshName'], `mesh ${r.mesh} is taken to be '${opts.mesh}' (--mesh)`);
      resources[i] = { ...r, mesh: opts.mesh, name: r.kind === 'mesh' ? (opts.mesh as string) : r.name };
    });
  }
  const meshName = chooseMesh(resources, opts, report);
  if (meshName === undefined) return undefined;

  const latest = new Map<string, Resource>();
  for (const r of resources) {
    if (r.mesh !== undefined && r.mesh !== meshName) {
      report.inferred(r.source, [KINDS[r.kind].nameKey], `belongs to mesh '${r.mesh}', not '${meshName}'; left out`);
      continue;
    }
    const key = `${r.kind}\u0000${r.parent ?? ''}\u0000${r.name}`;
    const previous = latest.get(key);
    if (previous) {
      const older =
        previous.version !== undefined && r.version !== undefined && r.version < previous.version
          ? ` (though its metadata.version ${r.version} is older than ${previous.version})`
          : '';
      report.inferred(
        r.source,
        [KINDS[r.kind].nameKey],
        `${LABEL(r.kind)} '${r.name}' is also in ${previous.source.file}; this later one is used${older}`,
      );
    }
    latest.set(key, r);
  }
  const all = [...latest.values()];
  const byName = <K extends ResourceKind>(kind: K) =>
    new Map(all.filter((r): r is Resource<K> => r.kind === kind).map((r) => [r.name, r]));
  const of = <K extends ResourceKind>(kind: K) => all.filter((r): r is Resource<K> => r.kind === kind);
  return {
    meshName,
    mesh: of('mesh').find((m) => m.name === meshName),
    virtualNodes: byName('virtualNode'),
    virtualServices: byName('virtualService'),
    virtualRouters: byName('virtualRouter'),
    routes: of('route'),
    virtualGateways: byName('virtualGateway'),
    gatewayRoutes: of('gatewayRoute'),
  };
}
