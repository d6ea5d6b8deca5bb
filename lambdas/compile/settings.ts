/**
 * What the construct tells the compile controller through its environment. Read once per
 * process; a missing variable is a deployment bug, reported by name.
 */
import { CONTROLLER_ENV } from '../../lib/aws/controller-environment';

const ENV = CONTROLLER_ENV;

export interface Settings {
  readonly bucket: string;
  readonly mesh: string;
  readonly maxProxyLoss?: number;
  readonly maxEndpointLoss?: number;
  /** Proxies' certificates come from this AWS Private CA when the mesh uses mTLS. */
  readonly certificateAuthorityArn?: string;
  readonly certificateValidityHours?: number;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const required = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set`);
    return v;
  };
  const ratio = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!(n >= 0 && n <= 1)) throw new Error(`environment variable ${name} must be a ratio from 0 to 1, got '${v}'`);
    return n;
  };
  const hours = env[ENV.certificateValidityHours];
  const validity = hours ? Number(hours) : undefined;
  if (validity !== undefined && !(Number.isInteger(validity) && validity >= 1)) {
    throw new Error(
      `environment variable ${ENV.certificateValidityHours} must be a whole number of hours, got '${hours}'`,
    );
  }
  return {
    bucket: required(ENV.bucket),
    mesh: required(ENV.mesh),
    maxProxyLoss: ratio(ENV.maxProxyLoss),
    maxEndpointLoss: ratio(ENV.maxEndpointLoss),
    certificateAuthorityArn: env[ENV.certificateAuthorityArn] || undefined,
    certificateValidityHours: validity,
  };
}
