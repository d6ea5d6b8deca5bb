/**
 * A virtual node as a Trellis version: its listeners, how it is discovered (DNS or Cloud Map,
 * with the mesh's IP preference when the node sets none), the services it may call, and its
 * access log. Client policy TLS is reported, not carried over.
 */
import type { VirtualNodeSpec } from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import type { PathSegment } from '../../model/problem';
import type { discovery, version } from '../../model/version';
import type { Resource } from '../document';
import { accessLogSpec } from './access-log';
import type { MapContext } from './context';
import { nodeListenerSpec } from './listener';
import { reportClientPolicy } from './mtls';

export type VersionSpec = z.input<typeof version>;
type DiscoverySpec = z.input<typeof discovery>;

function discoverySpec(
  node: Resource<'virtualNode'>,
  at: readonly PathSegment[],
  ctx: MapContext,
): DiscoverySpec | undefined {
  const sd = (node.spec as VirtualNodeSpec).serviceDiscovery;
  const meshPreference = ctx.inventory.mesh?.spec.serviceDiscovery?.ipPreference;
  const inherit = (own: string | undefined, path: PathSegment[]) => {
    if (own !== undefined || meshPreference === undefined) return own;
    ctx.report.inferred(node.source, path, `takes the mesh's ipPreference ${meshPreference}`);
    return meshPreference;
  };
  if (sd?.dns) {
    ctx.trace.set(at, node.source, ['spec', 'serviceDiscovery', 'dns']);
    const dns: NonNullable<DiscoverySpec['dns']> = { hostname: sd.dns.hostname ?? '' };
    if (sd.dns.responseType) dns.responseType = sd.dns.responseType;
    const ip = inherit(sd.dns.ipPreference, ['spec', 'serviceDiscovery', 'dns']);
    if (ip) dns.ipPreference = ip as never;
    return { dns };
  }
  if (sd?.awsCloudMap) {
    const m = sd.awsCloudMap;
    ctx.trace.set(at, node.source, ['spec', 'serviceDiscovery', 'awsCloudMap']);
    const cloudMap: NonNullable<DiscoverySpec['cloudMap']> = { namespace: m.namespaceName, service: m.serviceName };
    if (m.attributes?.length)
      cloudMap.attributes = Object.fromEntries(m.attributes.map((a) => [a.key ?? '', a.value ?? '']));
    const ip = inherit(m.ipPreference, ['spec', 'serviceDiscovery', 'awsCloudMap']);
    if (ip) cloudMap.ipPreference = ip as never;
    return { cloudMap };
  }
  ctx.report.inferred(
    node.source,
    ['spec'],
    'no serviceDiscovery: in App Mesh such a node only calls others; in Trellis it is found in Cloud Map under its service name',
  );
  return undefined;
}

export function versionSpec(node: Resource<'virtualNode'>, at: readonly PathSegment[], ctx: MapContext): VersionSpec {
  const spec = node.spec as VirtualNodeSpec;
  ctx.trace.set(at, node.source, ['spec']);
  const out: VersionSpec = {
    listeners: (spec.listeners ?? []).map((l, i) =>
      nodeListenerSpec(l, node.source, ['spec', 'listeners', i], [...at, 'listeners', i], ctx),
    ),
  };
  const discovery = discoverySpec(node, [...at, 'discovery'], ctx);
  if (discovery) out.discovery = discovery;

  const backends: string[] = [];
  (spec.backends ?? []).forEach((b, i) => {
    const from: PathSegment[] = ['spec', 'backends', i, 'virtualService'];
    const name = b.virtualService?.virtualServiceName ?? '';
    const service = ctx.placement.services.get(name);
    if (b.virtualService?.clientPolicy) reportClientPolicy(ctx, node.source, [...from, 'clientPolicy']);
    if (service === undefined) {
      const why = ctx.inventory.virtualServices.has(name)
        ? `virtual service '${name}' has no provider, so there is nothing to call; declare it under externalServices if it names a host outside the mesh`
        : `virtual service '${name}' is not in the input; import it too, or add it to the mesh file by hand`;
      ctx.report.dropped(node.source, [...from, 'virtualServiceName'], why);
      return;
    }
    if (backends.includes(service)) return;
    ctx.trace.set([...at, 'backends', backends.length], node.source, [...from, 'virtualServiceName']);
    backends.push(service);
  });
  if (backends.length > 0) out.backends = backends;
  if (spec.backendDefaults?.clientPolicy) {
    reportClientPolicy(ctx, node.source, ['spec', 'backendDefaults', 'clientPolicy']);
  }
  if (spec.logging?.accessLog) {
    const log = accessLogSpec(spec.logging.accessLog);
    if (log) {
      ctx.trace.set([...at, 'accessLog'], node.source, ['spec', 'logging', 'accessLog']);
      out.accessLog = log;
    }
  }
  return out;
}
