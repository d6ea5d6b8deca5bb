/**
 * Which Trellis service each virtual node becomes a version of. A virtual node runs one
 * proxy, so it is a version of exactly one service: of the virtual service a router splits
 * between several nodes (the natural "service with versions"), else of the one it provides
 * directly, else of one it is the only target of. Other virtual services that reach the same
 * node route to that version by naming its service. A node no virtual service reaches (a
 * caller only, such as a frontend) becomes a service of its own.
 */
import type { Resource } from '../document';
import type { Inventory } from '../inventory';
import { NameScope, toDnsName, toIdentifier } from '../names';
import type { ImportReport } from '../report';

export interface VersionRef {
  readonly service: string;
  readonly version: string;
}

export interface Placement {
  /** Virtual service name → Trellis service name (virtual services with a provider only). */
  readonly services: ReadonlyMap<string, string>;
  /** Virtual node name → the version it becomes. */
  readonly versions: ReadonlyMap<string, VersionRef>;
  /** Services made for nodes no virtual service reaches: Trellis service name → node name. */
  readonly ownServices: ReadonlyMap<string, string>;
}

type VirtualService = Resource<'virtualService'>;

/** The nodes a router's routes send traffic to. */
export function routerTargets(inventory: Inventory, router: string): string[] {
  const nodes = new Set<string>();
  for (const r of inventory.routes) {
    if (r.parent !== router) continue;
    const s = r.spec;
    for (const route of [s.httpRoute, s.http2Route, s.grpcRoute, s.tcpRoute]) {
      for (const t of route?.action?.weightedTargets ?? []) if (t.virtualNode) nodes.add(t.virtualNode);
    }
  }
  return [...nodes].sort();
}

export function placeVersions(inventory: Inventory, report: ImportReport): Placement {
  const serviceNames = new NameScope(toDnsName);
  const services = new Map<string, string>();
  const virtualServices = [...inventory.virtualServices.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const vs of virtualServices) {
    if (!vs.spec.provider) continue;
    const name = serviceNames.claim(vs.name);
    services.set(vs.name, name);
    if (name !== vs.name) report.inferred(vs.source, ['virtualServiceName'], `becomes service '${name}'`);
  }

  // Candidate homes per node, best first.
  const candidates = new Map<string, { vs: VirtualService; score: number }[]>();
  const offer = (node: string, vs: VirtualService, score: number) => {
    const list = candidates.get(node) ?? [];
    list.push({ vs, score });
    candidates.set(node, list);
  };
  for (const vs of virtualServices) {
    const p = vs.spec.provider;
    if (p?.virtualNode?.virtualNodeName) offer(p.virtualNode.virtualNodeName, vs, 2);
    if (p?.virtualRouter?.virtualRouterName) {
      const targets = routerTargets(inventory, p.virtualRouter.virtualRouterName);
      for (const node of targets) offer(node, vs, targets.length > 1 ? 3 : 1);
    }
  }

  const versionNames = new Map<string, NameScope>();
  const versions = new Map<string, VersionRef>();
  const ownServices = new Map<string, string>();
  const nodes = [...inventory.virtualNodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const node of nodes) {
    const list = (candidates.get(node.name) ?? []).sort(
      (a, b) => b.score - a.score || (a.vs.name < b.vs.name ? -1 : 1),
    );
    let service: string;
    if (list.length > 0) {
      service = services.get(list[0].vs.name)!;
      if (list.length > 1) {
        report.inferred(
          node.source,
          ['virtualNodeName'],
          `backs virtual services ${list.map((c) => c.vs.name).join(', ')}; it becomes a version of '${service}', which the others route to`,
        );
      }
    } else {
      service = serviceNames.claim(node.name);
      ownServices.set(service, node.name);
      report.inferred(
        node.source,
        ['virtualNodeName'],
        `no virtual service leads to this node; it becomes the only version of a service of its own, '${service}'`,
      );
    }
    const scope = versionNames.get(service) ?? new NameScope(toIdentifier);
    versionNames.set(service, scope);
    const version = scope.claim(node.name);
    if (version !== node.name) report.inferred(node.source, ['virtualNodeName'], `becomes version '${version}'`);
    versions.set(node.name, { service, version });
  }
  return { services, versions, ownServices };
}
