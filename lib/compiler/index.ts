export { adsBootstrap, staticBootstrap } from './bootstrap';
export { type CompileOptions, type CompileResult, compile, compileProxy, proxyNames } from './compile';
export { checkConsistency } from './consistency';
export type { Endpoint, EndpointSet, HealthStatus } from './endpoints';
export * as names from './names';
export type { ProxyPlacement } from './placement';
export {
  contentHash,
  type EnvoyResource,
  RESOURCE_TYPES,
  type ResourceType,
  type Snapshot,
  TYPE_URLS,
  typeVersion,
} from './snapshot';
