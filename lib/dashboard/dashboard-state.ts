/**
 * What the dashboard shows, as one JSON document the page polls: the service map (versions
 * and gateways as nodes, who-may-call-whom as edges, with live traffic on them), the route
 * table, each proxy's config version and ACK state, the registry's endpoints with their
 * health, and recent events. Built from the running control plane, never from the page.
 */
import { parseSidecarName } from '../compiler/names';
import type { Snapshot } from '../compiler/snapshot';
import type { MeshEvent } from '../local/control-plane';
import type { ProxyLayout } from '../local/layout';
import { CLIENTS, type EdgeStats } from '../local/traffic-stats';
import type { HeaderMatch } from '../model/match';
import type { HttpMatchModel, MeshModel, TargetModel } from '../model/model';
import type { RegistryData } from '../registry/registry';
import type { NodeStatus } from '../xds/client-status';

export interface DashboardInputs {
  readonly file: string;
  readonly model: MeshModel;
  readonly generation: number;
  readonly layout: readonly ProxyLayout[];
  readonly snapshots: Readonly<Record<string, Snapshot>>;
  readonly nodes: readonly NodeStatus[];
  readonly registry: RegistryData;
  readonly traffic: readonly EdgeStats[];
  readonly events: readonly MeshEvent[];
  /** Proxy and application processes by proxy name. */
  readonly processes: Readonly<Record<string, { proxy?: boolean; app?: boolean }>>;
}

export interface MapNode {
  readonly id: string;
  readonly kind: 'clients' | 'gateway' | 'version';
  readonly service?: string;
  readonly version?: string;
  readonly health: 'HEALTHY' | 'UNHEALTHY' | 'NONE';
  readonly ports?: {
    readonly proxy?: number;
    readonly app?: number;
    readonly admin?: number;
    readonly egress?: number;
  };
}

export interface MapEdge {
  readonly from: string;
  readonly to: string;
  /** The share of the caller's traffic to the service this edge gets by route weights (0..100), when known. */
  readonly weight?: number;
  readonly rps: number;
  readonly errorRate: number;
  readonly p99: number | null;
  readonly total: number;
  readonly retries: number;
}

function describeString(m: { exact?: string; prefix?: string; suffix?: string; regex?: string; present?: boolean }) {
  if (m.exact !== undefined) return `= ${m.exact}`;
  if (m.prefix !== undefined) return `^= ${m.prefix}`;
  if (m.suffix !== undefined) return `$= ${m.suffix}`;
  if (m.regex !== undefined) return `~ ${m.regex}`;
  if (m.present !== undefined) return m.present ? 'present' : 'absent';
  return '';
}

export function describeMatch(m: HttpMatchModel | undefined): string {
  if (!m) return 'any connection';
  const parts: string[] = [];
  const p = m.path;
  parts.push(
    p.exact !== undefined
      ? `path = ${p.exact}`
      : p.regex !== undefined
        ? `path ~ ${p.regex}`
        : `prefix ${p.prefix ?? '/'}`,
  );
  if (m.method) parts.push(`method ${m.method}`);
  for (const h of m.headers as HeaderMatch[]) parts.push(`${h.invert ? 'not ' : ''}${h.name} ${describeString(h)}`);
  for (const q of m.queryParameters) parts.push(`?${q.name} ${describeString(q)}`);
  return parts.join(', ');
}

function describeTargets(targets: readonly TargetModel[]): string {
  const total = targets.reduce((n, t) => n + t.weight, 0) || 1;
  return targets.map((t) => `${t.service}/${t.version} ${Math.round((100 * t.weight) / total)}%`).join(', ');
}

/** Version → share of the service's (first-route, unconditioned) traffic, for edge labels. */
function versionShares(model: MeshModel, service: string): Map<string, number> {
  const svc = model.services.find((s) => s.name === service);
  const shares = new Map<string, number>();
  if (!svc) return shares;
  // The last route is the catch-all in most meshes; weights of every route are summed per version.
  const sums = new Map<string, number>();
  let total = 0;
  for (const r of svc.routes) {
    for (const t of r.targets) {
      sums.set(t.version, (sums.get(t.version) ?? 0) + t.weight);
      total += t.weight;
    }
  }
  for (const [v, w] of sums) shares.set(v, total ? Math.round((100 * w) / total) : 0);
  return shares;
}

export function dashboardState(i: DashboardInputs) {
  const { model } = i;
  const health = new Map<string, 'HEALTHY' | 'UNHEALTHY'>();
  const endpoints: Array<Record<string, unknown>> = [];
  for (const [ns, n] of Object.entries(i.registry.namespaces)) {
    for (const [svc, s] of Object.entries(n.services)) {
      for (const [id, inst] of Object.entries(s.instances)) {
        const version = inst.attributes.version;
        endpoints.push({
          namespace: ns,
          service: svc,
          version,
          instanceId: id,
          address: inst.attributes.AWS_INSTANCE_IPV4 ?? inst.attributes.AWS_INSTANCE_IPV6,
          port: inst.attributes.AWS_INSTANCE_PORT ? Number(inst.attributes.AWS_INSTANCE_PORT) : undefined,
          health: inst.health,
        });
        if (version) {
          const key = `${svc}/${version}`;
          if (inst.health === 'HEALTHY' || !health.has(key))
            health.set(key, inst.health === 'HEALTHY' ? 'HEALTHY' : 'UNHEALTHY');
        }
      }
    }
  }
  const layout = new Map(i.layout.map((p) => [p.name, p]));
  const nodes: MapNode[] = [{ id: CLIENTS, kind: 'clients', health: 'NONE' }];
  for (const g of model.gateways) {
    const p = layout.get(g.name);
    nodes.push({
      id: g.name,
      kind: 'gateway',
      health: i.processes[g.name]?.proxy ? 'HEALTHY' : 'NONE',
      ports: { proxy: p ? Object.values(p.gatewayPorts)[0] : undefined, admin: p?.adminPort },
    });
  }
  for (const s of model.services) {
    for (const v of s.versions) {
      const id = `${s.name}/${v.name}`;
      const p = layout.get(id);
      const first = v.listeners[0]?.port;
      nodes.push({
        id,
        kind: 'version',
        service: s.name,
        version: v.name,
        health: health.get(id) ?? 'NONE',
        ports: {
          proxy: p && first !== undefined ? p.ingressPorts[first] : undefined,
          app: p && first !== undefined ? p.appPorts[first] : undefined,
          admin: p?.adminPort,
          egress: p?.egressPort,
        },
      });
    }
  }

  // Declared edges (so the map shows the mesh before traffic flows), then measured ones.
  const declared = new Map<string, { from: string; to: string; weight?: number }>();
  const declare = (from: string, to: string, weight?: number) => declared.set(`${from}->${to}`, { from, to, weight });
  const toService = (from: string, service: string) => {
    for (const [v, w] of versionShares(model, service)) declare(from, `${service}/${v}`, w);
  };
  for (const g of model.gateways) {
    declare(CLIENTS, g.name);
    for (const b of g.backends) toService(g.name, b);
  }
  for (const s of model.services)
    for (const v of s.versions) for (const b of v.backends) toService(`${s.name}/${v.name}`, b);
  const traffic = new Map(i.traffic.map((e) => [`${e.from}->${e.to}`, e]));
  const known = new Set(nodes.map((n) => n.id));
  const edges: MapEdge[] = [];
  for (const key of new Set([...declared.keys(), ...traffic.keys()])) {
    const d = declared.get(key);
    const t = traffic.get(key);
    const from = d?.from ?? t!.from;
    const to = d?.to ?? t!.to;
    if (!known.has(from) || !known.has(to)) continue;
    edges.push({
      from,
      to,
      ...(d?.weight !== undefined ? { weight: d.weight } : {}),
      rps: t?.rps ?? 0,
      errorRate: t?.errorRate ?? 0,
      p99: t?.p99 ?? null,
      total: t?.total ?? 0,
      retries: t?.retries ?? 0,
    });
  }

  const routes = [
    ...model.gateways.flatMap((g) =>
      g.routes.map((r) => ({
        owner: `gateway ${g.name}:${r.port}`,
        name: r.name,
        match: describeMatch(r.match),
        to: `${r.target.service}:${r.target.port}`,
        policy: r.prefixRewrite === false ? '' : `rewrite prefix → ${r.prefixRewrite}`,
      })),
    ),
    ...model.services.flatMap((s) =>
      s.routes.map((r) => ({
        owner: `${s.name}:${r.port}`,
        name: r.name,
        match: describeMatch(r.match),
        to: describeTargets(r.targets),
        policy: [
          r.retryPolicy ? `retries ${r.retryPolicy.maxRetries}` : '',
          r.timeout.perRequestMs !== undefined ? `timeout ${r.timeout.perRequestMs} ms` : '',
        ]
          .filter(Boolean)
          .join(', '),
      })),
    ),
  ];

  const status = new Map(i.nodes.map((n) => [n.id, n]));
  const proxies = i.layout.map((p) => {
    const s = status.get(p.name);
    const nacked = s?.types.find((t) => t.status === 'NACKED');
    const state = !s?.connected
      ? 'DISCONNECTED'
      : nacked
        ? 'NACKED'
        : s.types.every((t) => t.status === 'ACKED')
          ? 'ACKED'
          : 'REQUESTED';
    return {
      name: p.name,
      kind: p.kind,
      adminPort: p.adminPort,
      snapshotVersion: i.snapshots[p.name]?.version ?? null,
      connected: s?.connected ?? false,
      state,
      ackedVersions: Object.fromEntries((s?.types ?? []).map((t) => [shortType(t.typeUrl), t.ackedVersion ?? null])),
      nack: nacked?.nack?.message ?? null,
      sidecar: parseSidecarName(p.name) ?? null,
    };
  });

  return {
    mesh: { name: model.name, file: i.file, generation: i.generation },
    nodes,
    edges,
    routes,
    proxies,
    endpoints,
    events: i.events.slice(-30),
    at: Date.now(),
  };
}

export type DashboardState = ReturnType<typeof dashboardState>;

function shortType(typeUrl: string): string {
  const name = typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
  return (
    { Listener: 'LDS', RouteConfiguration: 'RDS', Cluster: 'CDS', ClusterLoadAssignment: 'EDS', Secret: 'SDS' }[name] ??
    name
  );
}
