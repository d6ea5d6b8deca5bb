/**
 * `trellis up <mesh-file>`: runs a mesh on this machine (lib/local/local-mesh.ts) until Ctrl-C
 * or SIGTERM, then stops everything it started. Prints progress, then what runs where, what
 * to curl and where the dashboard is.
 */
import { spawn } from 'node:child_process';
import { LocalMesh, MeshStartError } from '../local/local-mesh';
import { readyReport } from '../local/ready-report';
import { parseArgs, runCommand, UsageError } from './args';

const USAGE = `usage: trellis up <mesh-file> [options]

options:
  --port-base <n>        give proxies, admin endpoints and applications consecutive ports from n
                         (default: free ports chosen by the system)
  --ports 0              every port ephemeral, gateways' too (default: gateways on their mesh ports)
  --control-port <n>     dashboard, registry API and REST xDS (default 9900 when free)
  --xds-port <n>         gRPC xDS (ADS) port (default: a free port)
  --state-file <path>    write ports and processes as JSON once ready (removed on exit)
  --registry-file <path> keep the registry in this JSON file (instances can be edited there)
  --no-open              do not open the dashboard in a browser
`;

function port(name: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535 || (n === 0 && !allowZero)) {
    throw new UsageError(`--${name}: '${value}' is not a port\n${USAGE}`);
  }
  return n;
}

export async function up(argv: string[]): Promise<number> {
  return runCommand(async () => {
    const { positionals, values } = parseArgs(
      argv,
      {
        'port-base': { type: 'string' },
        ports: { type: 'string' },
        'control-port': { type: 'string' },
        'xds-port': { type: 'string' },
        'state-file': { type: 'string' },
        'registry-file': { type: 'string' },
        'no-open': { type: 'boolean' },
        open: { type: 'boolean' },
      },
      USAGE,
    );
    if (positionals.length !== 1) {
      process.stderr.write(USAGE);
      return 2;
    }
    if (values.ports !== undefined && values.ports !== '0')
      throw new UsageError(`--ports: only 0 is supported\n${USAGE}`);
    const mesh = new LocalMesh({
      file: positionals[0],
      portBase: port('port-base', values['port-base']),
      ephemeralGateways: values.ports === '0',
      controlPort: port('control-port', values['control-port'], true),
      xdsPort: port('xds-port', values['xds-port'], true),
      stateFile: values['state-file'],
      registryFile: values['registry-file'],
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });

    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`trellis: ${signal} again; stopping at once\n`);
        process.exit(130);
      }
      process.stderr.write(`\ntrellis: ${signal}: stopping the mesh\n`);
      void mesh.stop().then(() => {
        process.stderr.write('trellis: stopped\n');
        process.exit(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', stop);

    try {
      await mesh.start();
    } catch (e) {
      await mesh.stop();
      if (e instanceof MeshStartError) {
        process.stderr.write(`trellis: the mesh did not start:\n${e.message}\n`);
        return 1;
      }
      throw e;
    }
    process.stdout.write(readyReport(mesh.state(), mesh.model!));
    const open = values.open ?? (values['no-open'] !== true && process.stdout.isTTY && !process.env.CI);
    if (open) openBrowser(mesh.dashboardUrl);
    // Runs until a signal stops it.
    return new Promise<number>(() => {});
  });
}

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser here: the URL is printed above.
  }
}
