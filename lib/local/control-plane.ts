/**
 * The embedded control plane: the same compiler and xDS server as in AWS, fed by the embedded
 * registry instead of Cloud Map. A new mesh model or a registry change recompiles every proxy
 * and sets the snapshots at once; the xDS server pushes what changed and records ACK/NACK.
 * A model or snapshot that fails is reported and the last good one keeps serving.
 * Proxyless gRPC clients (`xds:///service`) are served too: a snapshot per proxyless key some
 * client watches, compiled when the first such client connects and with every change after.
 */
import { EventEmitter } from 'node:events';
import { compile } from '../compiler/compile';
import { compileProxyless } from '../compiler/proxyless';
import type { Snapshot } from '../compiler/snapshot';
import type { MeshModel } from '../model/model';
import { formatProblem, type Problem } from '../model/problem';
import { Registry } from '../registry/registry';
import { registryEndpoints } from '../registry/registry-discovery';
import { PROXYLESS_KEY, proxylessCaller } from '../xds/node';
import { SnapshotCache } from '../xds/snapshot-cache';
import { XdsServer } from '../xds/xds-server';
import type { Layout } from './layout';

export interface MeshEvent {
  readonly at: number;
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

const EVENT_MEMORY = 100;

export class ControlPlane extends EventEmitter {
  readonly registry: Registry;
  /** Locally a user deletes services on purpose: no mass-deletion guard. */
  readonly cache = new SnapshotCache({ guard: false });
  readonly xds: XdsServer;
  readonly events: MeshEvent[] = [];
  private current: MeshModel | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped on every successful push, so the dashboard can show "config generation N". */
  generation = 0;

  constructor(
    private readonly layout: Layout,
    registry = new Registry(),
  ) {
    super();
    this.registry = registry;
    this.xds = new XdsServer(this.cache, { onError: (m) => this.event('error', m) });
    // Registrations come in bursts (every app starting at once): compile once per burst.
    this.registry.on('change', () => this.scheduleRecompile());
    // A proxyless client asked for a snapshot nobody compiled yet: compile it (not from inside
    // the stream's watch call, which has not finished setting up).
    this.cache.onMissing((key) => {
      if (isProxyless(key)) this.scheduleRecompile();
    });
  }

  private scheduleRecompile(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.recompile(), 10);
  }

  get model(): MeshModel | undefined {
    return this.current;
  }

  /** Applies a model; returns the problems that kept it from being applied (none when it was). */
  apply(model: MeshModel): Problem[] {
    const problems = this.push(model);
    if (problems.length === 0) this.current = model;
    return problems;
  }

  /** Recompiles the current model against the registry (after a registration, a health change). */
  recompile(): void {
    if (!this.current) return;
    const problems = this.push(this.current);
    for (const p of problems) this.event('error', formatProblem(p));
  }

  snapshots(): Record<string, Snapshot> {
    return this.cache.all();
  }

  event(level: MeshEvent['level'], message: string): void {
    this.events.push({ at: Date.now(), level, message });
    if (this.events.length > EVENT_MEMORY) this.events.shift();
    this.emit('event', level, message);
  }

  close(): Promise<void> {
    clearTimeout(this.timer);
    return this.xds.close();
  }

  private push(model: MeshModel): Problem[] {
    const endpoints = registryEndpoints(model, this.registry);
    const result = compile(model, endpoints, { placement: (proxy) => this.layout.placement(proxy) });
    if (result.problems.length > 0) return [...result.problems];
    const snapshots: Record<string, Snapshot> = { ...result.snapshots };
    for (const key of this.cache.watchedKeys().filter(isProxyless)) {
      const proxyless = compileProxyless(model, endpoints, { caller: proxylessCaller(key) });
      // A client calling as a version the mesh lacks gets nothing; the mesh still updates.
      if (proxyless.snapshot) snapshots[key] = proxyless.snapshot;
      for (const p of proxyless.problems) this.event('warn', formatProblem(p));
    }
    try {
      const changed = this.cache.setSnapshots(snapshots);
      if (changed.length > 0) {
        this.generation++;
        this.emit('pushed', changed);
      }
    } catch (e) {
      return [{ path: [], reason: (e as Error).message }];
    }
    return [];
  }
}

function isProxyless(key: string): boolean {
  return key === PROXYLESS_KEY || proxylessCaller(key) !== undefined;
}
