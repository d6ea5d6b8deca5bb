/**
 * The Envoy v3 bootstrap a sidecar or gateway starts from in AWS: its node id is its proxy
 * name, and its ADS "server" is the snapshot bucket (`target_uri: s3://<bucket>`), which the
 * Trellis proxy polls (proxy-image/src/aws/s3-snapshot-source.ts). No CDK import: the construct
 * and the tests share it.
 */
import { parseSidecarName } from '../compiler/names';

export interface S3BootstrapOptions {
  readonly proxy: string;
  readonly bucket: string;
  /** Key prefix the snapshots were published under. @default '' */
  readonly root?: string;
  /** @default 0.0.0.0:9901 (ECS health checks and the X-Ray/CloudWatch agents reach it in the task) */
  readonly adminAddress?: string;
  readonly adminPort?: number;
  /** Seconds between polls of the snapshot pointer. @default 5 */
  readonly pollSeconds?: number;
  /** For S3-compatible servers in tests: `endpoint`, `region`, `force_path_style`. */
  readonly query?: Readonly<Record<string, string>>;
}

export function s3TargetUri(o: Pick<S3BootstrapOptions, 'bucket' | 'root' | 'query'>): string {
  const root = o.root ? `/${o.root.replace(/^\/+/, '')}` : '';
  // Only the characters that would break the query are escaped: a CDK token (`${Token[…]}`) must
  // stay intact for CloudFormation to substitute it.
  const escapeValue = (v: string) => v.replace(/[&#%+\s]/g, (c) => encodeURIComponent(c));
  const query =
    o.query && Object.keys(o.query).length
      ? `?${Object.entries(o.query)
          .map(([k, v]) => `${k}=${escapeValue(v)}`)
          .join('&')}`
      : '';
  return `s3://${o.bucket}${root}${query}`;
}

export function s3Bootstrap(o: S3BootstrapOptions): Record<string, unknown> {
  const sidecar = parseSidecarName(o.proxy);
  const ads = { ads: {}, resource_api_version: 'V3' };
  return {
    node: {
      id: o.proxy,
      cluster: sidecar ? sidecar.service : o.proxy,
      metadata: sidecar
        ? { 'trellis.service': sidecar.service, 'trellis.version': sidecar.version }
        : { 'trellis.gateway': o.proxy },
    },
    admin: {
      address: { socket_address: { address: o.adminAddress ?? '0.0.0.0', port_value: o.adminPort ?? 9901 } },
    },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ google_grpc: { target_uri: s3TargetUri(o), stat_prefix: 's3_snapshot' } }],
        refresh_delay: `${o.pollSeconds ?? 5}s`,
        // Per S3 request: a large snapshot on a cold connection takes more than Envoy's 1 s default.
        request_timeout: '10s',
      },
      cds_config: ads,
      lds_config: ads,
    },
  };
}
