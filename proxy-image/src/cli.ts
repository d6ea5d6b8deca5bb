/**
 * `trellis proxy`: runs the sidecar from a stock Envoy v3 bootstrap. Accepts Envoy's own flags
 * where they make sense (`-c/--config-path`, `--config-yaml`, `--admin-address-path`,
 * `--drain-time-s`, `-l/--log-level`, `--service-node/cluster/zone`, `--mode validate`) plus
 * `--config`. Config errors print one line per problem (file, field, reason), never a stack.
 */
import { ConfigLoadError, type LoadedBootstrap, loadBootstrap } from './config/load';
import { isLogLevel, type LogLevel, log } from './log';
import { DEFAULT_SCHEMA_IDLE_S, releaseSchemaWhenUnused } from './schema-release';
import { Server } from './server';
import { EmfSink } from './stats/emf-sink';
import { VERSION_STRING } from './version';

/** Envoy's default drain time is 600 s, far beyond ECS's 30 s stopTimeout; this proxy uses 20 s. */
const DEFAULT_DRAIN_TIME_S = 20;

interface Options {
  config?: string;
  configYaml?: string;
  adminAddressPath?: string;
  drainTimeS: number;
  logLevel: LogLevel | 'warn';
  mode: 'serve' | 'validate';
  serviceNode?: string;
  serviceCluster?: string;
  serviceZone?: string;
  /** CloudWatch EMF lines on stdout every this many seconds (0: off). */
  emfIntervalS: number;
  emfNamespace: string;
  /** Let Envoy's schema go after this long unused (schema-release.ts; 0: keep it). */
  schemaIdleS: number;
}

const USAGE = `usage: trellis proxy --config <envoy-bootstrap.yaml|json> [options]

options (Envoy's names):
  -c, --config, --config-path <file>   Envoy v3 bootstrap (JSON or YAML)
      --config-yaml <yaml>             merged over the file, as Envoy does
      --admin-address-path <file>      write the bound admin address here
      --drain-time-s <seconds>         drain time on shutdown (default ${DEFAULT_DRAIN_TIME_S})
  -l, --log-level <level>              trace|debug|info|warning|error|critical|off
      --service-node <id>              node.id override
      --service-cluster <name>         node.cluster override
      --service-zone <zone>            node.locality.zone override
      --mode serve|validate            validate: check the config and exit
      --emf-interval-s <seconds>       CloudWatch EMF metrics on stdout at this interval
                                       (default: TRELLIS_EMF_INTERVAL_S, else off)
      --emf-namespace <namespace>      EMF namespace (default: TRELLIS_EMF_NAMESPACE, else Trellis/Proxy)
      --schema-idle-s <seconds>        free Envoy's schema after this long unused by config updates
                                       (default: TRELLIS_SCHEMA_IDLE_S, else ${DEFAULT_SCHEMA_IDLE_S}; 0: keep it)
      --version                        print the version
`;

/** Flags Envoy has that mean nothing here; accepted (with their value) so Envoy command lines work. */
const IGNORED_WITH_VALUE = new Set([
  '--base-id',
  '--concurrency',
  '--parent-shutdown-time-s',
  '--log-format',
  '--log-path',
  '--component-log-level',
  '--drain-strategy',
  '--restart-epoch',
  '--file-flush-interval-msec',
]);
const IGNORED_FLAGS = new Set([
  '--disable-hot-restart',
  '--use-dynamic-base-id',
  '--log-format-escaped',
  '--allow-unknown-static-fields',
]);

class UsageError extends Error {}

function seconds(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number of seconds`);
  return n;
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Options | 'help' | 'version' {
  const o: Options = {
    drainTimeS: DEFAULT_DRAIN_TIME_S,
    logLevel: 'info',
    mode: 'serve',
    emfIntervalS: env.TRELLIS_EMF_INTERVAL_S ? seconds('TRELLIS_EMF_INTERVAL_S', env.TRELLIS_EMF_INTERVAL_S) : 0,
    emfNamespace: env.TRELLIS_EMF_NAMESPACE || 'Trellis/Proxy',
    schemaIdleS: env.TRELLIS_SCHEMA_IDLE_S
      ? seconds('TRELLIS_SCHEMA_IDLE_S', env.TRELLIS_SCHEMA_IDLE_S)
      : DEFAULT_SCHEMA_IDLE_S,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--version':
        return 'version';
      case '-c':
      case '--config':
      case '--config-path':
        o.config = next();
        break;
      case '--config-yaml':
        o.configYaml = next();
        break;
      case '--admin-address-path':
        o.adminAddressPath = next();
        break;
      case '--drain-time-s': {
        const v = Number(next());
        if (!Number.isFinite(v) || v < 0) throw new UsageError('--drain-time-s must be a number of seconds');
        o.drainTimeS = v;
        break;
      }
      case '-l':
      case '--log-level': {
        const v = next();
        if (!isLogLevel(v)) throw new UsageError(`unknown log level "${v}"`);
        o.logLevel = v;
        break;
      }
      case '--mode': {
        const v = next();
        if (v !== 'serve' && v !== 'validate') throw new UsageError(`--mode must be serve or validate, not "${v}"`);
        o.mode = v;
        break;
      }
      case '--service-node':
        o.serviceNode = next();
        break;
      case '--service-cluster':
        o.serviceCluster = next();
        break;
      case '--service-zone':
        o.serviceZone = next();
        break;
      case '--emf-interval-s':
        o.emfIntervalS = seconds(arg, next());
        break;
      case '--emf-namespace':
        o.emfNamespace = next();
        break;
      case '--schema-idle-s':
        o.schemaIdleS = seconds(arg, next());
        break;
      default:
        if (IGNORED_WITH_VALUE.has(arg)) next();
        else if (!IGNORED_FLAGS.has(arg)) throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (!o.config && !o.configYaml) throw new UsageError('--config is required');
  return o;
}

export async function proxy(argv: string[]): Promise<number> {
  let opts: Options | 'help' | 'version';
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`trellis proxy: ${e.message}\n\n${USAGE}`);
      return 1;
    }
    throw e;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts === 'version') {
    process.stdout.write(`${VERSION_STRING}\n`);
    return 0;
  }
  log.setLevel(opts.logLevel);
  let loaded: LoadedBootstrap;
  try {
    loaded = loadBootstrap(opts.config, opts.configYaml, {
      id: opts.serviceNode,
      cluster: opts.serviceCluster,
      zone: opts.serviceZone,
    });
  } catch (e) {
    if (e instanceof ConfigLoadError) {
      process.stderr.write(`trellis proxy: invalid configuration:\n${e.lines.map((l) => `  ${l}`).join('\n')}\n`);
      return 1;
    }
    throw e;
  }
  if (loaded.ignored.length) {
    log.warn(`${opts.config ?? '--config-yaml'}: ignoring unsupported fields: ${loaded.ignored.join(', ')}`);
  }
  if (opts.mode === 'validate') {
    process.stdout.write(`configuration '${opts.config ?? '--config-yaml'}' OK\n`);
    return 0;
  }
  const server = new Server({
    bootstrap: loaded.bootstrap,
    drainTimeMs: opts.drainTimeS * 1000,
    adminAddressPath: opts.adminAddressPath,
    commandLineOptions: {
      config_path: opts.config ?? '',
      config_yaml: opts.configYaml ?? '',
      admin_address_path: opts.adminAddressPath ?? '',
      drain_time: `${opts.drainTimeS}s`,
      log_level: opts.logLevel,
      mode: 'Serve',
      service_node: opts.serviceNode ?? '',
      service_cluster: opts.serviceCluster ?? '',
      service_zone: opts.serviceZone ?? '',
    },
  });
  const emf =
    opts.emfIntervalS > 0
      ? new EmfSink(server.store, {
          intervalMs: opts.emfIntervalS * 1000,
          namespace: opts.emfNamespace,
          service: loaded.bootstrap.node.cluster,
        })
      : undefined;
  emf?.start();
  const onSignal = (sig: string) => void server.shutdown(sig);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await server.start();
    releaseSchemaWhenUnused(server.configCanChange(), opts.schemaIdleS);
  } catch (e) {
    const msg = e instanceof ConfigLoadError ? e.lines.join('\n  ') : (e as Error).message;
    log.error(`startup failed: ${msg}`);
    await server.shutdown('startup failure');
    setTimeout(() => process.exit(1), 200).unref();
    return 1;
  }
  await server.stopped;
  emf?.stop();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  // Keep-alive sockets or timers from libraries may linger; they must not keep a stopped proxy up.
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  return 0;
}
