/**
 * Compile benchmark: a generated mesh of 1,000 services (two versions each, a 90/10
 * canary and a header route, five backends per caller) with 10,000 endpoints. Prints the
 * time to validate, to compile every proxy's snapshot, and to recompile after one
 * endpoint change. Run: `npx tsx bench/compile.ts [services] [endpointsPerVersion]`.
 */
import { compile } from '../lib/compiler/compile';
import type { EndpointSet } from '../lib/compiler/endpoints';
import type { MeshSpec } from '../lib/model/mesh';
import { validateMesh } from '../lib/model/validate';

const SERVICES = Number(process.argv[2] ?? 1000);
const PER_VERSION = Number(process.argv[3] ?? 5);
const FAN_OUT = 5;

function generate(): { spec: MeshSpec; endpoints: EndpointSet } {
  const services: MeshSpec['services'] = {};
  const endpoints: Record<string, EndpointSet[string]> = {};
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${i}`;
    const backends = Array.from({ length: FAN_OUT }, (_, k) => `svc-${(i * 7 + k * 131 + 1) % SERVICES}`).filter(
      (b, k, all) => b !== name && all.indexOf(b) === k,
    );
    const listeners = [{ port: 8080, protocol: 'http' as const, outlierDetection: { maxServerErrors: 5 } }];
    services[name] = {
      versions: { v1: { listeners, backends }, v2: { listeners, backends } },
      routes: [
        {
          name: 'beta',
          priority: 1,
          match: { headers: [{ name: 'x-beta', exact: 'true' }] },
          targets: [{ version: 'v2' }],
        },
        {
          name: 'canary',
          priority: 2,
          targets: [
            { version: 'v1', weight: 90 },
            { version: 'v2', weight: 10 },
          ],
          retryPolicy: { maxRetries: 2, perRetryTimeout: '1s', httpRetryEvents: ['server-error'] },
        },
      ],
    };
    for (const v of ['v1', 'v2']) {
      endpoints[`${name}/${v}`] = Array.from({ length: PER_VERSION }, (_, k) => ({
        address: `10.${(i >> 8) & 255}.${i & 255}.${k + (v === 'v2' ? 100 : 1)}`,
        port: 8080,
        zone: `us-east-1${'abc'[k % 3]}`,
      }));
    }
  }
  return { spec: { name: 'bench', services }, endpoints };
}

/** Wall time and this process's CPU time: on a shared machine the CPU time is the steadier figure. */
function time<T>(f: () => T): [T, number, number] {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(cpu);
  return [value, Number(process.hrtime.bigint() - start) / 1e6, (used.user + used.system) / 1e3];
}
const ms = (wall: number, cpu: number) => `${wall.toFixed(0)} ms (cpu ${cpu.toFixed(0)} ms)`;

const { spec, endpoints } = generate();
const endpointCount = Object.values(endpoints).reduce((n, e) => n + e.length, 0);
const [validated, validateMs, validateCpu] = time(() => validateMesh(spec));
if (!validated.model) throw new Error(`generated mesh is invalid: ${validated.problems[0]?.reason}`);
const model = validated.model;
// The first compile also warms the JIT; report it and a steady-state one.
const [first, firstMs, firstCpu] = time(() => compile(model, endpoints));
const [, steadyMs, steadyCpu] = time(() => compile(model, endpoints));
const changed = { ...endpoints, 'svc-0/v1': [...endpoints['svc-0/v1'], { address: '10.255.255.1', port: 8080 }] };
const [after, changeMs, changeCpu] = time(() => compile(model, changed));
const moved = Object.keys(after.snapshots).filter(
  (p) => after.snapshots[p].version !== first.snapshots[p].version,
).length;
const resources = Object.values(first.snapshots).reduce(
  (n, s) => n + Object.values(s.resources).reduce((m, r) => m + r.length, 0),
  0,
);
const bytes = Buffer.byteLength(JSON.stringify(first.snapshots));

console.log(
  `mesh: ${SERVICES} services, ${SERVICES * 2} versions, ${endpointCount} endpoints, ${Object.keys(first.snapshots).length} proxies`,
);
console.log(`output: ${resources} Envoy resources, ${(bytes / 1e6).toFixed(1)} MB of JSON`);
console.log(`validate:            ${ms(validateMs, validateCpu)}`);
console.log(`compile (first):     ${ms(firstMs, firstCpu)}`);
console.log(`compile (steady):    ${ms(steadyMs, steadyCpu)}`);
console.log(`recompile, 1 endpoint added: ${ms(changeMs, changeCpu)}; snapshots whose version moved: ${moved}`);
console.log(`validate + compile:  ${ms(validateMs + firstMs, validateCpu + firstCpu)} (target < 1000 ms)`);
console.log(`heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
