/**
 * AWS Cloud Map's data model, as the embedded registry keeps it: namespaces hold services,
 * services hold instances; an instance is an id, attributes (the reserved `AWS_INSTANCE_IPV4`,
 * `AWS_INSTANCE_PORT`, `AVAILABILITY_ZONE`… and the application's own, such as `version`)
 * and a health status. Limits and formats are Cloud Map's, so what works here works there.
 */

export type InstanceHealth = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
export const INSTANCE_HEALTH: readonly InstanceHealth[] = ['HEALTHY', 'UNHEALTHY', 'UNKNOWN'];

export interface Instance {
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly health: InstanceHealth;
}

/** Cloud Map's exception names, which its SDK clients know. */
export type RegistryErrorCode =
  | 'InvalidInput'
  | 'NamespaceNotFound'
  | 'ServiceNotFound'
  | 'InstanceNotFound'
  | 'CustomHealthNotFound';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

const INSTANCE_ID = /^[0-9a-zA-Z_/:.@-]{1,64}$/;
const NAME = /^[!-~]{1,253}$/;
const ATTRIBUTE_KEY = /^[a-zA-Z0-9!-~]{1,255}$/;
const MAX_ATTRIBUTES = 30;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function checkName(what: 'namespace' | 'service', name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new RegistryError('InvalidInput', `${what}: ${JSON.stringify(name)} is not a valid ${what} name`);
  }
  return name;
}

export function checkInstanceId(id: unknown): string {
  if (typeof id !== 'string' || !INSTANCE_ID.test(id)) {
    throw new RegistryError(
      'InvalidInput',
      `instanceId: ${JSON.stringify(id)} must be 1-64 letters, digits and _ / : . @ -`,
    );
  }
  return id;
}

export function checkHealth(status: unknown, field = 'health'): InstanceHealth {
  if (!INSTANCE_HEALTH.includes(status as InstanceHealth)) {
    throw new RegistryError('InvalidInput', `${field}: must be one of ${INSTANCE_HEALTH.join(', ')}`);
  }
  return status as InstanceHealth;
}

/** Cloud Map's attribute rules, plus what makes an instance reachable: an address, a valid port. */
export function checkAttributes(attributes: unknown): Record<string, string> {
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new RegistryError('InvalidInput', 'attributes: must be an object of string values');
  }
  const entries = Object.entries(attributes as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw new RegistryError('InvalidInput', `attributes: at most ${MAX_ATTRIBUTES} (got ${entries.length})`);
  }
  for (const [k, v] of entries) {
    if (!ATTRIBUTE_KEY.test(k))
      throw new RegistryError('InvalidInput', `attributes: ${JSON.stringify(k)} is not a valid key`);
    if (typeof v !== 'string' || v.length > 1024) {
      throw new RegistryError('InvalidInput', `attributes.${k}: must be a string of at most 1024 characters`);
    }
  }
  const a = attributes as Record<string, string>;
  if (!a.AWS_INSTANCE_IPV4 && !a.AWS_INSTANCE_IPV6 && !a.AWS_INSTANCE_CNAME) {
    throw new RegistryError(
      'InvalidInput',
      'attributes: AWS_INSTANCE_IPV4, AWS_INSTANCE_IPV6 or AWS_INSTANCE_CNAME is required',
    );
  }
  if (a.AWS_INSTANCE_IPV4 !== undefined && !IPV4.test(a.AWS_INSTANCE_IPV4)) {
    throw new RegistryError(
      'InvalidInput',
      `attributes.AWS_INSTANCE_IPV4: '${a.AWS_INSTANCE_IPV4}' is not an IPv4 address`,
    );
  }
  if (a.AWS_INSTANCE_PORT !== undefined) {
    const port = Number(a.AWS_INSTANCE_PORT);
    if (!/^\d+$/.test(a.AWS_INSTANCE_PORT) || port < 1 || port > 65535) {
      throw new RegistryError('InvalidInput', `attributes.AWS_INSTANCE_PORT: '${a.AWS_INSTANCE_PORT}' is not a port`);
    }
  }
  return { ...a };
}

/** Cloud Map sets an instance's first health from `AWS_INIT_HEALTH_STATUS`; HEALTHY otherwise. */
export function initialHealth(attributes: Readonly<Record<string, string>>): InstanceHealth {
  const init = attributes.AWS_INIT_HEALTH_STATUS;
  return init === 'UNHEALTHY' ? 'UNHEALTHY' : 'HEALTHY';
}
