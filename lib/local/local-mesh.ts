/**
 * A mesh on one machine (`trellis up`): the embedded control plane (compiler, xDS, registry,
 * dashboard), one proxy per service version and gateway, and the applications the mesh file
 * runs. It starts them, waits until every proxy has ACKed its config and every application is
 * registered, follows edits of the mesh file, and stops everything it started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DashboardState, dashboardState } from '../dashboard/dashboard-state';
import { gatewayIdentity, versionIdentity } from '../model/identity';
import { parseMeshText } from '../model/load';
import type { MeshModel } from '../model/model';
import { formatProblem, type Problem } from '../model/problem';
import { LocalIdentityIssuer } from '../pki/identity-issuer';
import { Registry } from '../registry/registry';
import { RegistryFile } from '../registry/registry-file';
import { ControlPlane } from './control-plane';
import { ControlServer } from './control-server';
import { InstanceRegistrar } from './instance-registrar';
import { Layout, type ProxyLayout } from './layout';
import { MeshWatcher } from './mesh-watcher';
import { LOOPBACK, PortAllocator } from './port-allocator';
import { type ProxyCommand, proxyCommand } from './proxy-command';
import { Supervisor } from './supervisor';
import { TrafficStats } from './traffic-stats';
import { appUnit, proxyUnit, proxyUnitName } from './units';

export interface LocalMeshOptions {
  readonly file: string;
  /** Consecutive ports from here; ephemeral ports otherwise. */
  readonly portBase?: number;
  /** Gateways on ephemeral ports too (tests; two meshes side by side). */
  readonly ephemeralGateways?: boolean;
  /** The dashboard / registry / REST port. @default 9900 when free */
  readonly controlPort?: number;
  /** The gRPC xDS port. @default ephemeral */
  readonly xdsPort?: number;
  /** Where to write the machine-readable state (ports, processes) once ready. */
  readonly stateFile?: string;
  /** Keep the registry in this JSON file. */
  readonly registryFile?: string;
  /** How long to wait for readiness before reporting what is missing. @default 60000 */
  readonly readyTimeoutMs?: number;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export class MeshStartError extends Error {}

const DEFAULT_CONTROL_PORT = 9900;

export class LocalMesh {
  private readonly supervisor: Supervisor;
  private readonly layout: Layout;
  private readonly plane: ControlPlane;
  private readonly server: ControlServer;
  private readonly traffic: TrafficStats;
  private readonly registrars = new Map<string, InstanceRegistrar>();
  private readonly runDir = mkdtempSync(join(tmpdir(), 'trellis-up-'));
  private issuer: LocalIdentityIssuer | undefined;
  private issuerTrustDomain: string | undefined;
  private readonly issued = new Set<string>();
  private readonly ports: PortAllocator;
  private registryFile: RegistryFile | undefined;
  private watcher: MeshWatcher | undefined;
  private proxyCmd: ProxyCommand | undefined;
  private xdsPort = 0;
  private controlPort = 0;
  private stopping: Promise<void> | undefined;
  private readonly file: string;
  private readonly appSpecs = new Map<string, string>();

  constructor(private readonly o: LocalMeshOptions) {
    this.file = resolve(o.file);
    this.ports = new PortAllocator(o.portBase);
    this.layout = new Layout({
      ports: this.ports,
      ephemeralGateways: o.ephemeralGateways,
      tlsRoot: join(this.runDir, 'tls'),
    });
    this.supervisor = new Supervisor({ output: o.out });
    this.plane = new ControlPlane(this.layout, new Registry());
    this.server = new ControlServer(this.plane, () => this.dashboard());
    this.traffic = new TrafficStats(() => this.layout.all());
    this.plane.on('event', (level: string, message: string) => {
      if (level !== 'info') o.err(`trellis: ${message}`);
    });
    this.supervisor.on(
      'exit',
      (unit: { spec: { name: string }; tail: string[] }, r: { code: number | null; signal: string | null }) => {
        const how = r.signal ? `signal ${r.signal}` : `code ${r.code}`;
        this.plane.event('error', `${unit.spec.name} exited (${how})`);
        const registrar = this.registrars.get(unit.spec.name);
        registrar?.stop();
      },
    );
  }

  /** The mesh as last applied. */
  get model(): MeshModel | undefined {
    return this.plane.model;
  }

  get dashboardUrl(): string {
    return `http://${LOOPBACK}:${this.controlPort}/`;
  }

  /** Starts everything and waits for readiness; throws MeshStartError on an invalid mesh. */
  async start(): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new MeshStartError(`${this.o.file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    const loaded = parseMeshText(text, this.o.file);
    if (!loaded.model || loaded.problems.length) {
      throw new MeshStartError(loaded.problems.map(formatProblem).join('\n'));
    }
    const model = loaded.model;
    this.step(`mesh ${model.name}: ${model.services.length} services, ${model.gateways.length} gateways`);
    this.supervisor.startReaper();
    await this.layout.assign(model);
    if (this.o.registryFile) {
      this.registryFile = new RegistryFile(resolve(this.o.registryFile), this.plane.registry, {
        onError: (m) => this.plane.event('error', m),
      });
      await this.registryFile.open();
    }
    await this.issueIdentities(model);
    const problems = this.plane.apply(model);
    if (problems.length) throw new MeshStartError(problems.map((p) => formatProblem(loaded.locate(p))).join('\n'));

    // From the allocator even in ephemeral mode: a listen on port 0 here could get back a port
    // the allocator had just probed and handed to a proxy (seen in CI: xDS and a proxy's admin
    // both on one port, EADDRINUSE).
    this.xdsPort = await this.plane.xds.listen(this.o.xdsPort ?? (await this.ports.take()), LOOPBACK);
    const controlPort =
      this.o.controlPort ??
      (this.o.ephemeralGateways ? await this.ports.take() : await this.ports.prefer(DEFAULT_CONTROL_PORT));
    this.controlPort = await this.server.listen(controlPort);
    this.step(`control plane: xDS on ${LOOPBACK}:${this.xdsPort}, dashboard and registry on ${this.dashboardUrl}`);

    this.proxyCmd = proxyCommand(this.runDir);
    this.reconcile(model);
    await this.waitReady(model);
    this.traffic.start();
    this.watcher = new MeshWatcher(this.file, text, {
      onModel: (m, locate) => this.onEdit(m, locate),
      onInvalid: (ps) => this.reportInvalid(ps),
    });
    this.watcher.start();
    if (this.o.stateFile) await this.writeState();
  }

  /** Stops everything started; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.watcher?.stop();
      this.traffic.stop();
      for (const r of this.registrars.values()) r.stop(false);
      this.issuer?.stop();
      await this.supervisor.stopAll();
      await this.plane.close();
      await this.server.close();
      await this.registryFile?.close();
      rmSync(this.runDir, { recursive: true, force: true });
      if (this.o.stateFile) await rm(this.o.stateFile, { force: true });
    })();
    return this.stopping;
  }

  /** Machine-readable state: what tests and scripts need to find everything. */
  state() {
    const model = this.plane.model!;
    return {
      pid: process.pid,
      mesh: model.name,
      file: this.file,
      dashboard: this.dashboardUrl,
      controlPort: this.controlPort,
      xdsPort: this.xdsPort,
      registry: `${this.dashboardUrl}registry`,
      gateways: Object.fromEntries(
        this.layout
          .all()
          .filter((p) => p.kind === 'gateway')
          .map((p) => [p.name, p.gatewayPorts]),
      ),
      proxies: this.layout.all(),
      processes: this.supervisor.list().map((u) => ({ name: u.spec.name, pid: u.pid, pgid: u.pid })),
    };
  }

  dashboard(): DashboardState | undefined {
    const model = this.plane.model;
    if (!model) return undefined;
    const processes: Record<string, { proxy?: boolean; app?: boolean }> = {};
    for (const p of this.layout.all()) {
      processes[p.name] = {
        proxy: this.supervisor.get(proxyUnitName(p.name))?.running ?? false,
        app: this.supervisor.get(p.name)?.running ?? false,
      };
    }
    return dashboardState({
      file: this.o.file,
      model,
      generation: this.plane.generation,
      layout: this.layout.all(),
      snapshots: this.plane.snapshots(),
      nodes: this.plane.xds.status.nodes(),
      registry: this.plane.registry.toJSON(),
      traffic: this.traffic.edgeStats(),
      events: this.plane.events,
      processes,
    });
  }

  /** Starts what `model` has and nothing runs for yet; stops what it no longer has. */
  private reconcile(model: MeshModel): void {
    const wanted = new Set<string>();
    for (const g of model.gateways) {
      wanted.add(g.name);
      this.ensureProxy(this.layout.get(g.name)!);
    }
    for (const s of model.services) {
      for (const v of s.versions) {
        const p = this.layout.get(`${s.name}/${v.name}`)!;
        wanted.add(p.name);
        this.ensureProxy(p);
        const spec = appUnit(model, this.file, v, p);
        const key = spec ? JSON.stringify([spec.command, spec.cwd, spec.env]) : '';
        const running = this.supervisor.get(p.name);
        if (this.appSpecs.get(p.name) !== key || (spec && !running?.running)) {
          // A changed `run` restarts the application, as `docker compose up` recreates a changed service.
          if (running) void this.supervisor.stopUnit(p.name);
          if (spec) this.supervisor.start(spec);
          this.appSpecs.set(p.name, key);
        }
        const target = { model, version: v, layout: p };
        const registrar = this.registrars.get(p.name);
        if (registrar) registrar.update(target);
        else if (v.discovery.cloudMap) {
          const r = new InstanceRegistrar(this.plane.registry, target);
          this.registrars.set(p.name, r);
          r.start();
        }
      }
    }
    for (const p of this.layout.all()) {
      if (wanted.has(p.name)) continue;
      void this.supervisor.stopUnit(p.name);
      void this.supervisor.stopUnit(proxyUnitName(p.name));
      this.registrars.get(p.name)?.stop();
      this.registrars.delete(p.name);
      this.appSpecs.delete(p.name);
    }
  }

  private ensureProxy(p: ProxyLayout): void {
    if (this.supervisor.get(proxyUnitName(p.name))?.running) return;
    this.supervisor.start(proxyUnit(p, this.proxyCmd!, this.runDir, this.xdsPort));
  }

  /**
   * An mTLS mesh gets a CA for this run and a short-lived certificate per proxy, written where
   * the proxy's Secrets watch (layout placement), renewed before expiry with no restart.
   */
  private async issueIdentities(model: MeshModel): Promise<void> {
    if (model.mtls.mode === 'disabled') return;
    const td = model.mtls.trustDomain;
    if (!this.issuer || this.issuerTrustDomain !== td) {
      this.issuer?.stop();
      this.issuer = await LocalIdentityIssuer.create({ trustDomain: td, rootDir: join(this.runDir, 'tls') });
      this.issuerTrustDomain = td;
      this.issued.clear();
      this.issuer.startRenewal((e) => this.plane.event('error', `certificate renewal: ${e.message}`));
      this.step(`mTLS (${model.mtls.mode}): a CA for trust domain ${td}`);
    }
    const ids: [string, string][] = [
      ...model.gateways.map((g): [string, string] => [g.name, gatewayIdentity(td, g.name)]),
      ...model.services.flatMap((s) =>
        s.versions.map((v): [string, string] => [`${s.name}/${v.name}`, versionIdentity(td, s.name, v.name)]),
      ),
    ];
    for (const [proxy, id] of ids) {
      if (this.issued.has(proxy)) continue;
      await this.issuer.issue(proxy, id);
      this.issued.add(proxy);
    }
  }

  private async onEdit(model: MeshModel, locate: (p: Problem) => Problem): Promise<void> {
    await this.layout.assign(model);
    await this.issueIdentities(model);
    const before = this.plane.generation;
    const problems = this.plane.apply(model);
    if (problems.length) {
      this.reportInvalid(problems.map(locate));
      return;
    }
    this.reconcile(model);
    const changed = this.plane.generation - before;
    this.plane.event('info', `${this.o.file} reloaded${changed ? '' : ' (no config change)'}`);
    this.o.out(`trellis: ${this.o.file} reloaded; config pushed to the proxies (generation ${this.plane.generation})`);
    if (this.o.stateFile) await this.writeState();
  }

  private reportInvalid(problems: readonly Problem[]): void {
    for (const p of problems) this.plane.event('error', formatProblem(p));
    this.o.err(
      `trellis: ${this.o.file} not applied; the mesh keeps its last good config:\n${problems
        .map((p) => `  ${formatProblem(p)}`)
        .join('\n')}`,
    );
  }

  private step(message: string): void {
    this.plane.event('info', message);
    this.o.out(`trellis: ${message}`);
  }

  /** Proxies LIVE and ACKed the current snapshots, and every application it runs registered. */
  private async waitReady(model: MeshModel): Promise<void> {
    const deadline = Date.now() + (this.o.readyTimeoutMs ?? 60_000);
    const done = new Set<string>();
    const proxies = this.layout.all();
    const apps = model.services.flatMap((s) => s.versions.filter((v) => v.run).map((v) => `${s.name}/${v.name}`));
    const total = proxies.length + apps.length;
    for (;;) {
      const acked = new Map(this.plane.xds.status.nodes().map((n) => [n.id, n]));
      const snapshots = this.plane.snapshots();
      await Promise.all(
        proxies.map(async (p) => {
          const key = proxyUnitName(p.name);
          if (done.has(key)) return;
          const live = await fetchStatus(p.adminPort, '/ready');
          const node = acked.get(p.name);
          const version = snapshots[p.name]?.version;
          const ok =
            live === 200 && node?.connected && node.types.length > 0 && node.types.every((t) => t.status === 'ACKED');
          if (ok && version) {
            done.add(key);
            this.step(`[${done.size}/${total}] ${p.kind === 'gateway' ? 'gateway' : 'proxy'} ${p.name} ready`);
          }
        }),
      );
      for (const a of apps) {
        if (done.has(a) || !this.registrars.get(a)?.isRegistered) continue;
        done.add(a);
        this.step(`[${done.size}/${total}] app ${a} registered`);
      }
      for (const u of this.supervisor.list()) {
        if (!u.running) {
          throw new MeshStartError(`${u.spec.name} exited while starting:\n${u.tail.map((l) => `  ${l}`).join('\n')}`);
        }
      }
      if (done.size === total) break;
      if (Date.now() > deadline) {
        const missing = [...proxies.map((p) => proxyUnitName(p.name)), ...apps].filter((n) => !done.has(n));
        this.o.err(`trellis: still waiting for ${missing.join(', ')}; carrying on`);
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    // Registrations recompile once more: wait for the proxies to ACK that too.
    await new Promise((r) => setTimeout(r, 50));
    while (Date.now() < deadline) {
      const nodes = this.plane.xds.status.nodes();
      if (proxies.every((p) => nodes.find((n) => n.id === p.name)?.types.every((t) => t.status === 'ACKED'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async writeState(): Promise<void> {
    const file = resolve(this.o.stateFile!);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.state(), null, 2)}\n`);
    await rename(tmp, file);
  }
}

/** The HTTP status of a GET on loopback; 0 when nothing answers. */
function fetchStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: LOOPBACK, port, path, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
