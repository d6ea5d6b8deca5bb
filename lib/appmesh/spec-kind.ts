/**
 * Which kind of resource a bare spec is, from its shape: `provider` makes a virtual service,
 * `weightedTargets` a route, `target` a gateway route, `timeout` on a listener a virtual
 * node… A spec that fits several kinds (a virtual router's `listeners` fit a virtual node
 * too) lists them all; the file's name or its directory's can then tell.
 */
import { z } from 'zod';
import { KINDS, RESOURCE_KINDS, type ResourceKind } from './kinds';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function specKeys(kind: ResourceKind): string[] {
  const schema = KINDS[kind].spec;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

const ROUTE_KEYS = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'];

/** What the listeners say: only nodes have timeouts, outlier detection and TCP; only routers have nothing else. */
function listenerKinds(listeners: unknown): ResourceKind[] | undefined {
  if (!Array.isArray(listeners)) return undefined;
  const keys = new Set(listeners.flatMap((l) => (isObject(l) ? Object.keys(l) : [])));
  const tcp = listeners.some((l) => isObject(l) && isObject(l.portMapping) && l.portMapping.protocol === 'tcp');
  if (keys.has('timeout') || keys.has('outlierDetection')) return ['virtualNode'];
  const onlyPortMapping = [...keys].every((k) => k === 'portMapping');
  if (onlyPortMapping)
    return tcp ? ['virtualNode', 'virtualRouter'] : ['virtualNode', 'virtualRouter', 'virtualGateway'];
  return tcp ? ['virtualNode'] : ['virtualNode', 'virtualGateway'];
}

export function specKinds(spec: Json): ResourceKind[] {
  const keys = Object.keys(spec);
  let kinds = RESOURCE_KINDS.filter((k) => keys.every((key) => specKeys(k).includes(key)));
  const narrow = (allowed: readonly ResourceKind[] | undefined) => {
    if (allowed) kinds = kinds.filter((k) => allowed.includes(k));
  };
  if (isObject(spec.serviceDiscovery)) {
    const sd = spec.serviceDiscovery;
    narrow(sd.dns !== undefined || sd.awsCloudMap !== undefined ? ['virtualNode'] : ['mesh']);
  }
  narrow(listenerKinds(spec.listeners));
  for (const key of ROUTE_KEYS) {
    const route = spec[key];
    if (!isObject(route)) continue;
    const action = isObject(route.action) ? route.action : {};
    const match = isObject(route.match) ? route.match : {};
    if ('weightedTargets' in action) narrow(['route']);
    if ('target' in action || 'hostname' in match) narrow(['gatewayRoute']);
  }
  return kinds;
}

const HINTS: [RegExp, ResourceKind][] = [
  [/gateway[-_ ]?routes?|(^|[^a-z])gr([^a-z]|$)/, 'gatewayRoute'],
  [/gateway|(^|[^a-z])(vg|gw)([^a-z]|$)/, 'virtualGateway'],
  [/router|(^|[^a-z])vr([^a-z]|$)/, 'virtualRouter'],
  [/node|(^|[^a-z])vn([^a-z]|$)/, 'virtualNode'],
  [/virtual[-_ ]?services?|(^|[^a-z])vs([^a-z]|$)/, 'virtualService'],
  [/routes?/, 'route'],
  [/mesh/, 'mesh'],
];

/** The kind a file or directory name suggests (`catalog-router.json`, `virtual-nodes/`). */
export function kindHint(name: string): ResourceKind | undefined {
  const lower = name.toLowerCase();
  return HINTS.find(([re]) => re.test(lower))?.[1];
}
