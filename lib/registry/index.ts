// The embedded registry: AWS Cloud Map's data model on a laptop (see registry.ts).
export {
  checkAttributes,
  type Instance,
  type InstanceHealth,
  RegistryError,
  type RegistryErrorCode,
} from './instance';
export {
  type ChangeEvent,
  type DiscoverQuery,
  type HealthFilter,
  type RegisterInput,
  Registry,
  type RegistryData,
} from './registry';
export { PORTS_ATTRIBUTE, type RegistryQuery, registryEndpoints, registryQuery } from './registry-discovery';
export { parseRegistryFile, RegistryFile, type RegistryFileOptions } from './registry-file';
export { handleRegistryRequest, REGISTRY_PREFIX } from './registry-http';
