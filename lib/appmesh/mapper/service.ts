/**
 * Trellis services from App Mesh's virtual services: the nodes placed in each become its
 * versions; a router provider brings its listeners and routes; a node provider placed in
 * another service becomes a route to that version. Nodes no virtual service reaches become
 * services of their own.
 */
import type { VirtualRouterSpec, VirtualServiceSpec } from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import type { PathSegment } from '../../model/problem';
import type { service } from '../../model/service';
import type { Resource } from '../document';
import { NameScope, toIdentifier } from '../names';
import type { MapContext } from './context';
import { type RouteSpecOut, routePrefixLength, routeSpecOut } from './route';
import { type VersionSpec, versionSpec } from './virtual-node';

export type ServiceSpecOut = z.input<typeof service>;

function versionsOf(service: string, ctx: MapContext): Record<string, VersionSpec> {
  const out: Record<string, VersionSpec> = {};
  for (const [nodeName, placed] of ctx.placement.versions) {
    if (placed.service !== service) continue;
    const node = ctx.inventory.virtualNodes.get(nodeName)!;
    out[placed.version] = versionSpec(node, ['services', service, 'versions', placed.version], ctx);
  }
  return out;
}

function routerRoutes(router: Resource<'virtualRouter'>, service: string, ctx: MapContext): RouteSpecOut[] | undefined {
  const listeners = ((router.spec as VirtualRouterSpec).listeners ?? []).map((l) => ({
    port: l.portMapping?.port ?? 0,
    protocol: l.portMapping?.protocol ?? 'http',
  }));
  const routes = ctx.inventory.routes.filter((r) => r.parent === router.name);
  if (routes.length === 0) {
    ctx.report.error(
      router.source,
      ['virtualRouterName'],
      'the virtual router has no routes in the input, so its virtual service could not be reached; pass the files holding its routes',
    );
    return undefined;
  }
  // App Mesh matched prioritized routes first, then the rest longest prefix first.
  const ordered = routes
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const pa = a.r.spec.priority;
      const pb = b.r.spec.priority;
      if (pa !== undefined || pb !== undefined) return (pa ?? 1001) - (pb ?? 1001) || a.i - b.i;
      return routePrefixLength(b.r.spec) - routePrefixLength(a.r.spec) || a.i - b.i;
    })
    .map(({ r }) => r);
  const unprioritized = ordered.filter((r) => r.spec.priority === undefined);
  if (unprioritized.length > 1) {
    ctx.report.inferred(
      router.source,
      ['virtualRouterName'],
      `routes without a priority (${unprioritized.map((r) => r.name).join(', ')}) are written longest prefix first, the order App Mesh matched them in`,
    );
  }
  const names = new NameScope(toIdentifier);
  const out: RouteSpecOut[] = [];
  for (const r of ordered) {
    const name = names.claim(r.name);
    const route = routeSpecOut(r, name, service, listeners, ['services', service, 'routes', out.length], ctx);
    if (route) out.push(route);
  }
  return out;
}

function routedService(vs: Resource<'virtualService'>, name: string, routerName: string, ctx: MapContext) {
  const router = ctx.inventory.virtualRouters.get(routerName);
  const from: PathSegment[] = ['spec', 'provider', 'virtualRouter', 'virtualRouterName'];
  if (!router) {
    ctx.report.error(vs.source, from, `no virtual router '${routerName}' in the input`);
    return undefined;
  }
  const out = {} as ServiceSpecOut;
  const listeners = (router.spec as VirtualRouterSpec).listeners ?? [];
  if (listeners.length > 0) {
    ctx.trace.set(['services', name, 'listeners'], router.source, ['spec', 'listeners']);
    out.listeners = listeners.map((l) => ({
      port: l.portMapping?.port ?? 0,
      protocol: l.portMapping?.protocol ?? 'http',
    }));
  }
  out.versions = versionsOf(name, ctx);
  const routes = routerRoutes(router, name, ctx);
  if (!routes) return undefined;
  out.routes = routes;
  return out;
}

function nodeService(vs: Resource<'virtualService'>, name: string, nodeName: string, ctx: MapContext) {
  const placed = ctx.placement.versions.get(nodeName);
  const node = ctx.inventory.virtualNodes.get(nodeName);
  if (!placed || !node) {
    ctx.report.error(
      vs.source,
      ['spec', 'provider', 'virtualNode', 'virtualNodeName'],
      `no virtual node '${nodeName}' in the input`,
    );
    return undefined;
  }
  const out: ServiceSpecOut = { versions: versionsOf(name, ctx) };
  if (placed.service === name) return out;
  // The node is a version of another service: this one is an alias routing to it.
  const listeners = node.spec.listeners ?? [];
  ctx.trace.set(['services', name], vs.source, ['spec', 'provider', 'virtualNode']);
  out.listeners = listeners.map((l) => ({
    port: l.portMapping?.port ?? 0,
    protocol: l.portMapping?.protocol ?? 'http',
  }));
  out.routes = listeners.map((l) => ({
    name: listeners.length > 1 ? `to-${placed.version}-${l.portMapping?.port}` : `to-${placed.version}`,
    ...(listeners.length > 1 ? { match: { port: l.portMapping?.port } } : {}),
    targets: [{ service: placed.service, version: placed.version, port: l.portMapping?.port }],
  }));
  return out;
}

export function servicesOut(ctx: MapContext): Record<string, ServiceSpecOut> {
  const out: Record<string, ServiceSpecOut> = {};
  const virtualServices = [...ctx.inventory.virtualServices.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const vs of virtualServices) {
    const provider = (vs.spec as VirtualServiceSpec).provider;
    const name = ctx.placement.services.get(vs.name);
    if (!provider || name === undefined) {
      ctx.report.dropped(
        vs.source,
        ['spec', 'provider'],
        'a virtual service with no provider sends traffic nowhere in App Mesh (callers reach it only through the egress filter); declare the host under externalServices if callers need it',
      );
      continue;
    }
    ctx.trace.set(['services', name], vs.source, ['spec', 'provider']);
    const svc = provider.virtualRouter
      ? routedService(vs, name, provider.virtualRouter.virtualRouterName ?? '', ctx)
      : nodeService(vs, name, provider.virtualNode?.virtualNodeName ?? '', ctx);
    if (svc) out[name] = svc;
  }
  for (const [name, nodeName] of ctx.placement.ownServices) {
    const node = ctx.inventory.virtualNodes.get(nodeName)!;
    ctx.trace.set(['services', name], node.source, ['spec']);
    out[name] = { versions: versionsOf(name, ctx) };
  }
  return out;
}
