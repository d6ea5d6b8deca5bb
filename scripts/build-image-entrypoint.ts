/**
 * The container image's entry point (bundled by scripts/build.ts as `dist/proxy.js`): turns
 * the image's environment variables into `trellis proxy` flags, then runs the proxy in this
 * same process. Flags given on the command line win over the environment, so
 * `node /app/proxy.js --config x.yaml` behaves exactly like `trellis proxy --config x.yaml`.
 * It lives beside the build script, not in proxy-image/src, because it is packaging, not proxy.
 */
import { proxy } from '../proxy-image/src/cli';

/** Where the admin address is written, so the HEALTHCHECK finds /ready on any admin port. */
export const ADMIN_ADDRESS_FILE = '/tmp/trellis-admin-address';

type Env = Record<string, string | undefined>;

class EnvError extends Error {}

function portFrom(env: Env, name: string): number {
  const raw = env[name] ?? '';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new EnvError(`environment variable ${name}: "${raw}" is not a port number`);
  }
  return port;
}

/** `host:port` → a bootstrap that takes everything over ADS from that control plane. */
function adsBootstrap(address: string): Record<string, unknown> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new EnvError(`environment variable TRELLIS_XDS_ADDRESS: "${address}" is not host:port`);
  }
  const grpc = { envoy_grpc: { cluster_name: 'xds_cluster' } };
  const ads = { ads: {}, resource_api_version: 'V3' };
  return {
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [grpc] },
      lds_config: ads,
      cds_config: ads,
    },
    static_resources: {
      clusters: [
        {
          name: 'xds_cluster',
          type: 'STRICT_DNS',
          connect_timeout: '5s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: {
            cluster_name: 'xds_cluster',
            endpoints: [
              { lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] },
            ],
          },
        },
      ],
    },
  };
}

function parseOverlay(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    // Required here: yaml ships as a package loaded on demand (scripts/build.ts).
    doc = (require('yaml') as typeof import('yaml')).parse(text);
  } catch (e) {
    throw new EnvError(`environment variable TRELLIS_CONFIG_YAML: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new EnvError('environment variable TRELLIS_CONFIG_YAML: not a YAML mapping (an Envoy bootstrap)');
  }
  return doc as Record<string, unknown>;
}

/** Flags for `trellis proxy` from the environment, skipping any the command line already has. */
export function argsFromEnv(argv: readonly string[], env: Env): string[] {
  const has = (...names: string[]) => argv.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
  const out = [...argv];
  // Merged over the file (or standing alone) as Envoy merges --config-yaml.
  let overlay: Record<string, unknown> | undefined;
  if (!has('-c', '--config', '--config-path', '--config-yaml')) {
    if (env.TRELLIS_CONFIG) out.push('--config', env.TRELLIS_CONFIG);
    else if (env.TRELLIS_CONFIG_YAML) overlay = parseOverlay(env.TRELLIS_CONFIG_YAML);
    else if (env.TRELLIS_XDS_ADDRESS) overlay = adsBootstrap(env.TRELLIS_XDS_ADDRESS);
    else out.push('--config', '/etc/trellis/envoy.yaml');
  }
  if (env.ENVOY_ADMIN_ACCESS_PORT && !has('--config-yaml')) {
    const address = env.ENVOY_ADMIN_ACCESS_ADDRESS || '0.0.0.0';
    const admin = { address: { socket_address: { address, port_value: portFrom(env, 'ENVOY_ADMIN_ACCESS_PORT') } } };
    overlay = { ...overlay, admin };
  }
  // JSON is YAML: the proxy reads it as Envoy reads --config-yaml.
  if (overlay) out.push('--config-yaml', JSON.stringify(overlay));
  if (!has('-l', '--log-level') && env.ENVOY_LOG_LEVEL) out.push('--log-level', env.ENVOY_LOG_LEVEL);
  if (!has('--service-node') && env.TRELLIS_NODE_ID) out.push('--service-node', env.TRELLIS_NODE_ID);
  if (!has('--service-cluster') && env.TRELLIS_NODE_CLUSTER) out.push('--service-cluster', env.TRELLIS_NODE_CLUSTER);
  if (!has('--drain-time-s') && env.TRELLIS_DRAIN_TIME_S) out.push('--drain-time-s', env.TRELLIS_DRAIN_TIME_S);
  if (!has('--admin-address-path'))
    out.push('--admin-address-path', env.TRELLIS_ADMIN_ADDRESS_PATH || ADMIN_ADDRESS_FILE);
  return out;
}

function main(): void {
  let args: string[];
  try {
    args = argsFromEnv(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof EnvError)) throw e;
    process.stderr.write(`trellis proxy: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  proxy(args).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`trellis proxy: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();
