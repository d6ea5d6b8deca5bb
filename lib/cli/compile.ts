/**
 * `trellis compile <mesh-file> [--proxy <name>] [--endpoints <file>] [--envoy-bootstrap]`:
 * prints snapshots as JSON (DESIGN.md's contract). With `--envoy-bootstrap`, a complete
 * Envoy v3 bootstrap instead: static, or ADS from `--xds <host:port>`.
 */
import { readFile } from 'node:fs/promises';
import { adsBootstrap, staticBootstrap } from '../compiler/bootstrap';
import { compile as compileMesh } from '../compiler/compile';
import type { EndpointSet } from '../compiler/endpoints';
import type { Snapshot } from '../compiler/snapshot';
import { parseEndpointSet } from '../discovery/endpoint-file';
import { loadMeshFile } from '../model/load';
import { formatProblem } from '../model/problem';
import { parseArgs, runCommand, UsageError } from './args';

const USAGE =
  'usage: trellis compile <mesh-file> [--proxy <name>] [--endpoints <file>] [--envoy-bootstrap [--xds <host:port>] [--admin-port <port>]]';

function fail(lines: string[]): number {
  for (const l of lines) process.stdout.write(`${l}\n`);
  return 1;
}

export async function compile(argv: string[]): Promise<number> {
  return runCommand(async () => {
    const { values, positionals } = parseArgs(
      argv,
      {
        proxy: { type: 'string' },
        endpoints: { type: 'string' },
        'envoy-bootstrap': { type: 'boolean' },
        xds: { type: 'string' },
        'admin-port': { type: 'string' },
      },
      USAGE,
    );
    if (positionals.length !== 1) throw new UsageError(USAGE);
    const loaded = await loadMeshFile(positionals[0]);
    if (!loaded.model) return fail(loaded.problems.map(formatProblem));

    let endpoints: EndpointSet = {};
    if (values.endpoints) {
      let text: string;
      try {
        text = await readFile(values.endpoints, 'utf8');
      } catch {
        return fail([`${values.endpoints}: cannot read the endpoints file`]);
      }
      const parsed = parseEndpointSet(text, values.endpoints);
      if (!parsed.endpoints) return fail(parsed.problems.map(formatProblem));
      endpoints = parsed.endpoints;
    }

    const { snapshots, problems } = compileMesh(loaded.model, endpoints);
    if (problems.length) return fail(problems.map((p) => formatProblem(loaded.locate(p))));
    if (values.proxy !== undefined && !snapshots[values.proxy]) {
      return fail([`--proxy: no proxy named '${values.proxy}' (proxies: ${Object.keys(snapshots).join(', ')})`]);
    }

    let render: (proxy: string, s: Snapshot) => unknown = (_p, s) => s;
    if (values['envoy-bootstrap']) {
      const adminPort = values['admin-port'] ? Number(values['admin-port']) : undefined;
      if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort > 0 && adminPort < 65536)) {
        throw new UsageError(`--admin-port: '${values['admin-port']}' is not a port`);
      }
      if (values.xds) {
        const m = /^(.+):(\d+)$/.exec(values.xds);
        if (!m) throw new UsageError(`--xds: expected <host:port>, got '${values.xds}'`);
        render = (proxy) => adsBootstrap({ proxy, adminPort, xdsAddress: m[1], xdsPort: Number(m[2]) });
      } else {
        render = (proxy, s) => staticBootstrap(s, { proxy, adminPort });
      }
    } else if (values.xds) {
      throw new UsageError('--xds goes with --envoy-bootstrap');
    }

    const output =
      values.proxy !== undefined
        ? render(values.proxy, snapshots[values.proxy])
        : Object.fromEntries(Object.entries(snapshots).map(([p, s]) => [p, render(p, s)]));
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  });
}
