/**
 * Envoy's response flags: why a request ended the way it did, for `%RESPONSE_FLAGS%`. Kept
 * as bits on the stream; the short names and their order are Envoy's.
 */

export const ResponseFlag = {
  FailedLocalHealthCheck: 1 << 0,
  NoHealthyUpstream: 1 << 1,
  UpstreamRequestTimeout: 1 << 2,
  LocalReset: 1 << 3,
  UpstreamRemoteReset: 1 << 4,
  UpstreamConnectionFailure: 1 << 5,
  UpstreamConnectionTermination: 1 << 6,
  UpstreamOverflow: 1 << 7,
  NoRouteFound: 1 << 8,
  DelayInjected: 1 << 9,
  FaultInjected: 1 << 10,
  RateLimited: 1 << 11,
  DownstreamConnectionTermination: 1 << 12,
  UpstreamRetryLimitExceeded: 1 << 13,
  StreamIdleTimeout: 1 << 14,
  InvalidEnvoyRequestHeaders: 1 << 15,
  DownstreamProtocolError: 1 << 16,
  UpstreamProtocolError: 1 << 17,
  NoClusterFound: 1 << 18,
  DurationTimeout: 1 << 19,
  DnsResolutionFailed: 1 << 20,
} as const;

const SHORT: ReadonlyArray<readonly [number, string]> = [
  [ResponseFlag.FailedLocalHealthCheck, 'LH'],
  [ResponseFlag.NoHealthyUpstream, 'UH'],
  [ResponseFlag.UpstreamRequestTimeout, 'UT'],
  [ResponseFlag.LocalReset, 'LR'],
  [ResponseFlag.UpstreamRemoteReset, 'UR'],
  [ResponseFlag.UpstreamConnectionFailure, 'UF'],
  [ResponseFlag.UpstreamConnectionTermination, 'UC'],
  [ResponseFlag.UpstreamOverflow, 'UO'],
  [ResponseFlag.NoRouteFound, 'NR'],
  [ResponseFlag.DelayInjected, 'DI'],
  [ResponseFlag.FaultInjected, 'FI'],
  [ResponseFlag.RateLimited, 'RL'],
  [ResponseFlag.DownstreamConnectionTermination, 'DC'],
  [ResponseFlag.UpstreamRetryLimitExceeded, 'URX'],
  [ResponseFlag.StreamIdleTimeout, 'SI'],
  [ResponseFlag.InvalidEnvoyRequestHeaders, 'IH'],
  [ResponseFlag.DownstreamProtocolError, 'DPE'],
  [ResponseFlag.UpstreamProtocolError, 'UPE'],
  [ResponseFlag.NoClusterFound, 'NC'],
  [ResponseFlag.DurationTimeout, 'DT'],
  [ResponseFlag.DnsResolutionFailed, 'DF'],
];

/** `UH,URX`, or `-` when no flag is set (Envoy's %RESPONSE_FLAGS%). */
export function formatResponseFlags(flags: number): string {
  if (flags === 0) return '-';
  let out = '';
  for (const [bit, name] of SHORT) {
    if (flags & bit) out = out ? `${out},${name}` : name;
  }
  return out;
}
