/**
 * The connection manager's `tracing` with Envoy's X-Ray provider (`envoy.tracers.xray`,
 * `envoy.config.trace.v3.XRayConfig`). The daemon address comes from `daemon_endpoint`, else
 * `AWS_XRAY_DAEMON_ADDRESS` (as the X-Ray SDKs read it), else 127.0.0.1:2000. Without a
 * sampling manifest, App Mesh's `XRAY_SAMPLING_RATE` sets the default rule's rate. Other
 * tracing providers are refused: a config that asks for traces should not silently get none.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type Fields, type Json } from '../config/fields';
import { DEFAULT_MANIFEST, parseSamplingManifest, type SamplingManifest } from './sampling-rules';

export interface XRayConfig {
  readonly daemon: { readonly address: string; readonly port: number };
  readonly segmentName: string;
  readonly sampling: SamplingManifest;
  /** `segment_fields.origin` (e.g. "AWS::AppMesh::Proxy") and `.aws`, copied into each segment. */
  readonly origin: string | undefined;
  readonly aws: Json | undefined;
}

const XRAY_TYPE = 'envoy.config.trace.v3.XRayConfig';
const DEFAULT_DAEMON = { address: '127.0.0.1', port: 2000 };

/** `host:port`, or the SDKs' `tcp:host:port udp:host:port` form (UDP is what segments use). */
export function parseDaemonAddress(value: string, where: string): { address: string; port: number } {
  const parts = value.trim().split(/\s+/);
  const udp = parts.find((p) => p.startsWith('udp:'))?.slice(4) ?? parts.find((p) => !p.startsWith('tcp:'));
  const m = udp ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(udp) : null;
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port > 0 && port < 65536)) throw new ConfigError(where, `"${value}" is not a host:port address`);
  return { address: m[1], port };
}

export function parseTracing(f: Fields, env: NodeJS.ProcessEnv = process.env): XRayConfig | undefined {
  const provider = f.object('provider');
  // Envoy's X-Ray tracer makes its own sampling decision; the HCM percentages are accepted as inert.
  f.accept('client_sampling', 'random_sampling', 'overall_sampling', 'verbose', 'max_path_tag_length', 'custom_tags');
  f.done(['spawn_upstream_span']);
  if (!provider) return undefined;
  const name = provider.requiredString('name');
  const tc = provider.object('typed_config');
  const type = String(tc?.raw['@type'] ?? '').replace(/^.*\//, '');
  if (name !== 'envoy.tracers.xray' && type !== XRAY_TYPE) {
    provider.fail('name', `tracer "${name}" is not supported (supported: envoy.tracers.xray)`);
  }
  if (!tc) return provider.fail('typed_config', 'is required');
  provider.done();

  let daemon = DEFAULT_DAEMON;
  const ep = tc.object('daemon_endpoint');
  if (ep) {
    ep.enumOf('protocol', ['UDP', 'TCP'] as const, 'TCP');
    daemon = { address: ep.requiredString('address'), port: ep.number('port_value', 0) };
    if (!(daemon.port > 0 && daemon.port < 65536)) ep.fail('port_value', 'must be a port between 1 and 65535');
    ep.done(['named_port', 'resolver_name']);
  } else if (env.AWS_XRAY_DAEMON_ADDRESS) {
    daemon = parseDaemonAddress(env.AWS_XRAY_DAEMON_ADDRESS, 'AWS_XRAY_DAEMON_ADDRESS');
  }
  const segmentName = tc.requiredString('segment_name');

  let sampling = DEFAULT_MANIFEST;
  const manifest = tc.object('sampling_rule_manifest');
  if (manifest) {
    const where = manifest.path;
    const filename = manifest.string('filename');
    const inline = manifest.string('inline_string');
    const bytes = manifest.string('inline_bytes');
    const envVar = manifest.string('environment_variable');
    manifest.accept('watched_directory');
    manifest.done();
    let text: string;
    if (filename !== undefined) {
      try {
        text = readFileSync(filename, 'utf8');
      } catch (e) {
        throw new ConfigError(`${where}.filename`, `cannot read ${filename}: ${(e as Error).message}`);
      }
    } else if (inline !== undefined) text = inline;
    else if (bytes !== undefined) text = Buffer.from(bytes, 'base64').toString('utf8');
    else if (envVar !== undefined) text = env[envVar] ?? '';
    else
      throw new ConfigError(where, 'one of filename, inline_string, inline_bytes or environment_variable is required');
    sampling = parseSamplingManifest(text, where);
  } else if (env.XRAY_SAMPLING_RATE !== undefined) {
    const rate = Number(env.XRAY_SAMPLING_RATE);
    if (!(rate >= 0 && rate <= 1)) throw new ConfigError('XRAY_SAMPLING_RATE', 'must be a number between 0 and 1');
    sampling = { rules: [], default: { fixedTarget: 1, rate } };
  }

  const fields = tc.object('segment_fields');
  const origin = fields?.string('origin');
  const aws = fields?.get('aws') as Json | undefined;
  fields?.done();
  tc.done();
  return { daemon, segmentName, sampling, origin, aws };
}
