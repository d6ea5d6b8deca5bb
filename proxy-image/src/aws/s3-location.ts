/**
 * Where a proxy's snapshots live in S3, written as the ADS server's target URI so a stock
 * Envoy bootstrap can carry it: `ads_config.grpc_services[0].google_grpc.target_uri:
 * s3://<bucket>[/<root>][?region=…&endpoint=…&force_path_style=true]`. The proxy's node id names
 * its snapshot (lib/snapshot-store/keys.ts); `endpoint` is for S3-compatible servers.
 */

export interface S3Location {
  readonly bucket: string;
  /** Key prefix the store was written under ('' or ending in '/'). */
  readonly root: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
}

export const S3_SCHEME = 's3:';

export function isS3Uri(uri: string | undefined): uri is string {
  return typeof uri === 'string' && uri.toLowerCase().startsWith('s3://');
}

/** Throws an Error naming the field and the bad value. */
export function parseS3Uri(uri: string, where = 'ads_config.grpc_services[0].google_grpc.target_uri'): S3Location {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`${where}: '${uri}' is not a URI`);
  }
  if (url.protocol !== S3_SCHEME) throw new Error(`${where}: '${uri}' is not an s3:// URI`);
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new Error(`${where}: '${bucket}' is not an S3 bucket name`);
  }
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  const root = path && !path.endsWith('/') ? `${path}/` : path;
  const known = new Set(['region', 'endpoint', 'force_path_style']);
  for (const k of url.searchParams.keys()) {
    if (!known.has(k)) throw new Error(`${where}: unknown parameter '${k}' (region, endpoint, force_path_style)`);
  }
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
    throw new Error(`${where}: endpoint '${endpoint}' must be an http:// or https:// URL`);
  }
  const fps = url.searchParams.get('force_path_style');
  if (fps !== null && fps !== 'true' && fps !== 'false') {
    throw new Error(`${where}: force_path_style must be true or false, got '${fps}'`);
  }
  return {
    bucket,
    root,
    region: url.searchParams.get('region') ?? undefined,
    endpoint,
    forcePathStyle: fps === 'true',
  };
}
