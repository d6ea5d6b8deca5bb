/**
 * The whole mapping: an inventory of App Mesh resources to one Trellis mesh spec. The mesh's
 * egress filter becomes `egress`; its IP preference goes to each version's discovery.
 * Resources nothing reaches (a router no virtual service uses, routes of a router not in
 * the input) are reported, never dropped silently.
 */
import type { MeshSpec } from '../../model/mesh';
import { NameScope, toDnsName } from '../names';
import type { MapContext } from './context';
import { gatewaySpecOut } from './gateway';
import { meshMtlsMode } from './mtls';
import { servicesOut } from './service';

export function meshSpecOut(ctx: MapContext): MeshSpec {
  const { inventory, report } = ctx;
  const mesh = inventory.mesh;
  const out: MeshSpec = {
    name: toDnsName(inventory.meshName),
    egress: mesh?.spec.egressFilter?.type ?? 'DROP_ALL',
    services: {},
  };
  if (mesh) {
    ctx.trace.set(['name'], mesh.source, ['meshName']);
    if (mesh.spec.egressFilter) ctx.trace.set(['egress'], mesh.source, ['spec', 'egressFilter', 'type']);
  }

  const usedRouters = new Set(
    [...inventory.virtualServices.values()].map((vs) => vs.spec.provider?.virtualRouter?.virtualRouterName),
  );
  for (const router of inventory.virtualRouters.values()) {
    if (!usedRouters.has(router.name)) {
      report.dropped(
        router.source,
        ['virtualRouterName'],
        'no virtual service has this router as its provider, so nothing could reach its routes; left out',
      );
    }
  }
  for (const r of inventory.routes) {
    if (!inventory.virtualRouters.has(r.parent ?? '')) {
      report.error(r.source, ['virtualRouterName'], `no virtual router '${r.parent}' in the input`);
    }
  }
  for (const r of inventory.gatewayRoutes) {
    if (!inventory.virtualGateways.has(r.parent ?? '')) {
      report.error(r.source, ['virtualGatewayName'], `no virtual gateway '${r.parent}' in the input`);
    }
  }

  out.services = servicesOut(ctx);
  const mtls = meshMtlsMode(inventory);
  if (mtls !== 'disabled') out.mtls = { mode: mtls };

  const gatewayNames = new NameScope(toDnsName);
  for (const name of Object.keys(out.services)) gatewayNames.reserve(name);
  const gateways: NonNullable<MeshSpec['gateways']> = {};
  for (const gw of [...inventory.virtualGateways.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const name = gatewayNames.claim(gw.name);
    if (name !== gw.name) report.inferred(gw.source, ['virtualGatewayName'], `becomes gateway '${name}'`);
    gateways[name] = gatewaySpecOut(gw, name, ctx);
  }
  if (Object.keys(gateways).length > 0) out.gateways = gateways;
  return out;
}
