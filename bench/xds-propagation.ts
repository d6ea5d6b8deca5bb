/**
 * How long an endpoint change takes to reach every connected proxy, with `trellis up`'s own
 * parts: the local control plane (compiler + embedded registry + xDS server), and N real
 * `trellis proxy` processes started as `trellis up` starts them (lib/local/units.ts: an ADS
 * bootstrap per proxy, the esbuild bundle of lib/local/proxy-command.ts, the supervisor).
 *
 * The mesh has N client services (`svc-00/v1`…), each calling `catalog`; one proxy runs per
 * client version. Each round registers (then, next round, deregisters) a `catalog/v1` instance
 * in the registry and times from that call until every proxy's ADS stream has ACKed the EDS
 * update (the ACK is the proxy saying it applied it). After each round every proxy's admin
 * `/clusters` is read to confirm it holds exactly the registry's endpoints.
 *
 *   npx tsx bench/xds-propagation.ts [--proxies 50] [--rounds 10]
 *
 * Results are printed, not asserted: p50/p99/max against the 1 s target, and the proxies' RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RESOURCE_TYPE_URLS } from '../lib/envoy/type-urls';
import { ControlPlane } from '../lib/local/control-plane';
import { Layout, type ProxyLayout } from '../lib/local/layout';
import { PortAllocator } from '../lib/local/port-allocator';
import { proxyCommand } from '../lib/local/proxy-command';
import { Supervisor } from '../lib/local/supervisor';
import { proxyUnit } from '../lib/local/units';
import type { MeshSpec } from '../lib/model/mesh';
import { defineMesh } from '../lib/model/validate';
import type { AckEvent } from '../lib/xds/client-status';
import { rssMiB } from './process-stats';

const TARGET_MS = 1000;
const EDS = RESOURCE_TYPE_URLS.endpoints;
const MESH = 'propagation';
const ROUND_TIMEOUT_MS = 60_000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} takes a positive integer`);
  return v;
}

function meshOf(clients: number) {
  const services: MeshSpec['services'] = {
    catalog: { versions: { v1: { listeners: [{ port: 8080, protocol: 'http' }] } } },
  };
  for (let i = 0; i < clients; i++) {
    services[`svc-${String(i).padStart(2, '0')}`] = {
      versions: { v1: { listeners: [{ port: 8080, protocol: 'http' }], backends: ['catalog'] } },
    };
  }
  return defineMesh({ name: MESH, services });
}

function fetchText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const proxies = option('proxies', 50);
  const rounds = option('rounds', 10);
  const dir = mkdtempSync(join(tmpdir(), 'trellis-xds-propagation-'));
  const model = meshOf(proxies);
  const layout = new Layout({ ports: new PortAllocator() });
  await layout.assign(model);
  const plane = new ControlPlane(layout);
  const supervisor = new Supervisor({ output: (line) => process.stderr.write(`${line}\n`) });
  const stop = async () => {
    await supervisor.stopAll();
    await plane.close();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const problems = plane.apply(model);
    if (problems.length) throw new Error(`mesh: ${JSON.stringify(problems)}`);
    const xdsPort = await plane.xds.listen(0);
    // One instance from the start, so the catalog cluster is never empty.
    const register = (id: string, port: number) =>
      plane.registry.registerInstance({
        namespace: MESH,
        service: 'catalog',
        instanceId: id,
        attributes: { version: 'v1', AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(port) },
      });
    register('catalog-base', 19_000);

    const clients = layout.all().filter((p) => p.name !== 'catalog/v1');
    supervisor.startReaper();
    const cmd = proxyCommand(dir);
    const startedAt = performance.now();
    const units = clients.map((p) => supervisor.start(proxyUnit(p, cmd, dir, xdsPort)));
    await waitAllAcked(plane, clients);
    const startup = performance.now() - startedAt;
    console.log(`${proxies} proxies connected and ACKed their first snapshot in ${(startup / 1000).toFixed(1)} s`);

    // Every EDS ACK, by stream, timed as it arrives.
    const acks: { at: number; e: AckEvent }[] = [];
    plane.xds.status.on('ack', (e: AckEvent) => {
      if (e.typeUrl === EDS) acks.push({ at: performance.now(), e });
    });
    let pushedAt = 0;
    plane.on('pushed', () => (pushedAt = performance.now()));

    const results: { kind: string; ms: number; pushMs: number; firstMs: number; adminOk: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const registering = r % 2 === 0;
      const port = 20_000 + Math.floor(r / 2);
      const streams = connectedEdsStreams(plane);
      if (streams.size < proxies) throw new Error(`only ${streams.size} of ${proxies} proxies connected`);
      acks.length = 0;
      const t0 = performance.now();
      if (registering) register(`catalog-${port}`, port);
      else plane.registry.deregisterInstance(MESH, 'catalog', `catalog-${port}`);
      const done = new Set<number>();
      let last = t0;
      const deadline = t0 + ROUND_TIMEOUT_MS;
      while (done.size < streams.size && performance.now() < deadline) {
        for (const { at, e } of acks) {
          if (streams.has(e.stream) && e.version !== streams.get(e.stream) && !done.has(e.stream)) {
            done.add(e.stream);
            last = Math.max(last, at);
          }
        }
        if (done.size < streams.size) await sleep(1);
      }
      if (done.size < streams.size) throw new Error(`round ${r}: ${done.size} of ${streams.size} proxies ACKed`);
      const firstMs = Math.min(...acks.filter((a) => streams.has(a.e.stream)).map((a) => a.at)) - t0;
      // Cross-check with the proxies themselves: each one's /clusters has (or lacks) the instance.
      const texts = await Promise.all(clients.map((p) => fetchText(p.adminPort, '/clusters')));
      const adminOk = texts.filter((t) => t.includes(`127.0.0.1:${port}::`) === registering).length;
      results.push({
        kind: registering ? 'register' : 'deregister',
        ms: last - t0,
        pushMs: pushedAt - t0,
        firstMs,
        adminOk,
      });
      console.log(
        `round ${String(r + 1).padStart(2)} ${registering ? 'register  ' : 'deregister'} ` +
          `pushed ${(pushedAt - t0).toFixed(1)} ms, first ACK ${firstMs.toFixed(1)} ms, ` +
          `all ${streams.size} ACKed ${(last - t0).toFixed(1)} ms; /clusters agrees on ${adminOk}/${clients.length}`,
      );
      await sleep(200);
    }

    const sorted = results.map((x) => x.ms).sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const max = sorted[sorted.length - 1];
    const rss = rssMiB(units.map((u) => u.pid));
    const mismatched = results.filter((x) => x.adminOk !== clients.length).length;
    console.log('');
    console.log(`xDS propagation: endpoint change → ACKed by all ${proxies} proxies (${rounds} rounds)`);
    console.log(`  machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
    console.log(`  p50 ${p50.toFixed(1)} ms   p99 ${p99.toFixed(1)} ms   max ${max.toFixed(1)} ms`);
    console.log(
      `  vs the ${TARGET_MS} ms target: p50 ${(p50 / TARGET_MS).toFixed(3)}×, p99 ${(p99 / TARGET_MS).toFixed(3)}×, max ${(max / TARGET_MS).toFixed(3)}×`,
    );
    console.log(`  rounds where some proxy's /clusters disagreed with the registry: ${mismatched}`);
    console.log(`  RSS of the ${proxies} proxies: ${rss.toFixed(0)} MiB total, ${(rss / proxies).toFixed(1)} MiB each`);
  } finally {
    await stop();
  }
}

/** Open ADS streams of the proxies, each with the EDS version it last ACKed. */
function connectedEdsStreams(plane: ControlPlane): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  for (const s of plane.xds.status.streamStates()) {
    if (s.closedAt !== undefined || !s.node?.id) continue;
    out.set(s.id, s.types.get(EDS)?.ackedVersion);
  }
  return out;
}

/** Until every proxy has a stream on which every type it asked for is ACKed at the version sent. */
async function waitAllAcked(plane: ControlPlane, proxies: readonly ProxyLayout[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  const wanted = new Set(proxies.map((p) => p.name));
  for (;;) {
    const ready = plane.xds.status
      .nodes()
      .filter(
        (n) =>
          wanted.has(n.id) &&
          n.connected &&
          n.types.some((t) => t.typeUrl === EDS) &&
          n.types.every((t) => t.status === 'ACKED'),
      );
    if (ready.length === wanted.size) return;
    if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${wanted.size} proxies ACKed in time`);
    await sleep(100);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
