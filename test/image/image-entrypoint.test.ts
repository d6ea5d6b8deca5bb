/**
 * The image's entry point turns ECS task environment variables into `trellis proxy` flags
 * (proxy-image/README.md lists them). The bootstraps it generates must load in the proxy's own
 * config loader, and flags given on the command line must win over the environment.
 */
import { parse } from 'yaml';
import { loadBootstrap } from '../../proxy-image/src/config/load';
import { ADMIN_ADDRESS_FILE, argsFromEnv } from '../../scripts/build-image-entrypoint';

function flag(args: string[], name: string): string | undefined {
  const i = args.lastIndexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('image entry point', () => {
  it('defaults to the mounted bootstrap and the admin address file the HEALTHCHECK reads', () => {
    const args = argsFromEnv([], {});
    expect(flag(args, '--config')).toBe('/etc/trellis/envoy.yaml');
    expect(flag(args, '--admin-address-path')).toBe(ADMIN_ADDRESS_FILE);
  });

  it('maps the App Mesh style knobs to flags', () => {
    const args = argsFromEnv([], {
      TRELLIS_CONFIG: '/config/envoy.json',
      ENVOY_LOG_LEVEL: 'debug',
      TRELLIS_NODE_ID: 'orders-v1-task-1',
      TRELLIS_NODE_CLUSTER: 'orders-v1',
      TRELLIS_DRAIN_TIME_S: '15',
    });
    expect(flag(args, '--config')).toBe('/config/envoy.json');
    expect(flag(args, '--log-level')).toBe('debug');
    expect(flag(args, '--service-node')).toBe('orders-v1-task-1');
    expect(flag(args, '--service-cluster')).toBe('orders-v1');
    expect(flag(args, '--drain-time-s')).toBe('15');
  });

  it('builds an ADS bootstrap from TRELLIS_XDS_ADDRESS that the proxy loads', () => {
    // GIVEN only a control plane address and an admin port
    const args = argsFromEnv([], { TRELLIS_XDS_ADDRESS: 'xds.local:18000', ENVOY_ADMIN_ACCESS_PORT: '9901' });
    // WHEN the generated --config-yaml goes through the proxy's loader
    const yaml = flag(args, '--config-yaml');
    expect(flag(args, '--config')).toBeUndefined();
    const loaded = loadBootstrap(undefined, yaml, {});
    // THEN it is a valid bootstrap whose ADS cluster points at the address
    expect(loaded.bootstrap).toBeDefined();
    const doc = parse(yaml ?? '');
    expect(doc.dynamic_resources.ads_config.api_type).toBe('GRPC');
    const address = doc.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address;
    expect(address.socket_address).toEqual({ address: 'xds.local', port_value: 18000 });
    expect(doc.admin.address.socket_address).toEqual({ address: '0.0.0.0', port_value: 9901 });
  });

  it('overrides the admin port of an inline bootstrap without losing the rest of it', () => {
    const inline =
      'static_resources: {clusters: []}\nadmin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}\n';
    const args = argsFromEnv([], { TRELLIS_CONFIG_YAML: inline, ENVOY_ADMIN_ACCESS_PORT: '15090' });
    const doc = parse(flag(args, '--config-yaml') ?? '');
    expect(doc.static_resources).toEqual({ clusters: [] });
    expect(doc.admin.address.socket_address.port_value).toBe(15090);
    expect(args.filter((a) => a === '--config-yaml')).toHaveLength(1);
  });

  it('lets command-line flags win over the environment', () => {
    const args = argsFromEnv(['--config', '/mine.yaml', '-l', 'error', '--admin-address-path', '/tmp/a'], {
      TRELLIS_CONFIG: '/theirs.yaml',
      ENVOY_LOG_LEVEL: 'debug',
    });
    expect(args).toEqual(['--config', '/mine.yaml', '-l', 'error', '--admin-address-path', '/tmp/a']);
  });

  it('names the variable when a value is wrong', () => {
    expect(() => argsFromEnv([], { ENVOY_ADMIN_ACCESS_PORT: 'ninety' })).toThrow(
      /ENVOY_ADMIN_ACCESS_PORT: "ninety" is not a port number/,
    );
    expect(() => argsFromEnv([], { TRELLIS_XDS_ADDRESS: 'no-port' })).toThrow(/TRELLIS_XDS_ADDRESS: "no-port"/);
    expect(() => argsFromEnv([], { TRELLIS_CONFIG_YAML: '- a list' })).toThrow(
      /TRELLIS_CONFIG_YAML: not a YAML mapping/,
    );
  });
});
