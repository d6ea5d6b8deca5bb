/**
 * The compiler: `compile(model, endpoints) → snapshot per proxy`. Pure (no I/O, no clock),
 * deterministic (same input, same bytes, same versions), and every snapshot it returns is
 * internally consistent.
 */
import type { MeshModel } from '../model/model';
import type { Problem } from '../model/problem';
import { checkConsistency } from './consistency';
import { CompileContext } from './context';
import type { EndpointSet } from './endpoints';
import { compileGateway } from './gateway';
import { sidecarName } from './names';
import type { ProxyPlacement } from './placement';
import { compileSidecar } from './sidecar';
import type { Snapshot } from './snapshot';

export interface CompileOptions {
  /** Where each proxy binds and where its application listens; App Mesh's ECS defaults otherwise. */
  readonly placement?: (proxy: string) => ProxyPlacement | undefined;
}

export interface CompileResult {
  /** By proxy name: `<service>/<version>` for sidecars, the gateway's name for gateways. */
  readonly snapshots: Readonly<Record<string, Snapshot>>;
  readonly problems: readonly Problem[];
}

/** Every proxy of the mesh, sorted: sidecars (`service/version`) and gateways. */
export function proxyNames(model: MeshModel): string[] {
  const names = [
    ...model.services.flatMap((s) => s.versions.map((v) => sidecarName(s.name, v.name))),
    ...model.gateways.map((g) => g.name),
  ];
  return names.sort();
}

export function compile(model: MeshModel, endpoints: EndpointSet = {}, options: CompileOptions = {}): CompileResult {
  const snapshots: Record<string, Snapshot> = {};
  const problems: Problem[] = [];
  const ctx = new CompileContext(model, endpoints);
  for (const proxy of proxyNames(model)) {
    const result = compileProxy(model, proxy, endpoints, options, ctx);
    problems.push(...result.problems);
    if (result.snapshot) snapshots[proxy] = result.snapshot;
  }
  return { snapshots, problems: dedupe(problems) };
}

export function compileProxy(
  model: MeshModel,
  proxy: string,
  endpoints: EndpointSet = {},
  options: CompileOptions = {},
  ctx = new CompileContext(model, endpoints),
): { snapshot?: Snapshot; problems: Problem[] } {
  const problems: Problem[] = [];
  const placement = options.placement?.(proxy) ?? {};
  let snapshot: Snapshot | undefined;
  const gateway = model.gateways.find((g) => g.name === proxy);
  if (gateway) {
    snapshot = compileGateway(ctx, gateway, placement, problems);
  } else {
    const [service, version] = proxy.split('/');
    const v = ctx.version(service, version);
    if (!v) {
      const known = proxyNames(model).join(', ');
      return {
        problems: [{ path: [], reason: `no proxy named '${proxy}' in mesh '${model.name}' (proxies: ${known})` }],
      };
    }
    snapshot = compileSidecar(ctx, v, placement, problems);
  }
  // An inconsistent snapshot is a compiler bug, never the user's: fail loudly.
  const inconsistent = checkConsistency(snapshot);
  if (inconsistent.length > 0)
    throw new Error(`compiler produced an inconsistent snapshot for ${proxy}:\n${inconsistent.join('\n')}`);
  return { snapshot: problems.length ? undefined : snapshot, problems };
}

/** A gateway route problem is found once per listener that shares it; say it once. */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join('\u0000')}\u0001${p.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
