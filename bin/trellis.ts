/**
 * `trellis` — the command-line face of the project (DESIGN.md, "Command-line contract").
 * Each command lives in its own module and is loaded only when asked for, so
 * `trellis validate` does not pay for the proxy or the CDK.
 */

type Command = (argv: string[]) => Promise<number>;

// require(), not import(): tsx compiles TypeScript on require, and the bundle inlines both.
const commands: Record<string, { summary: string; load: () => Command }> = {
  up: {
    summary: 'run a mesh locally: control plane, proxies and services',
    load: () => (require('../lib/cli/up') as typeof import('../lib/cli/up')).up,
  },
  validate: {
    summary: 'check a mesh file; one line per problem',
    load: () => (require('../lib/cli/validate') as typeof import('../lib/cli/validate')).validate,
  },
  compile: {
    summary: 'print the Envoy v3 snapshots (or a bootstrap) a mesh compiles to',
    load: () => (require('../lib/cli/compile') as typeof import('../lib/cli/compile')).compile,
  },
  proxy: {
    summary: 'run the sidecar proxy from an Envoy v3 bootstrap',
    load: () => (require('../proxy-image/src/cli') as typeof import('../proxy-image/src/cli')).proxy,
  },
  import: {
    summary: 'import a mesh from another system: `trellis import appmesh <files...>`',
    load: () => (require('../lib/cli/import') as typeof import('../lib/cli/import')).importMesh,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['usage: trellis <command> [options]', '', 'commands:', ...lines, ''].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`trellis: unknown command '${name}'\n\n${usage()}`);
    return 1;
  }
  return command.load()(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // Commands that leave servers running (up, proxy) never resolve; the rest exit here.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`trellis: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.TRELLIS_DEBUG) console.error(err);
    process.exitCode = 1;
  },
);
