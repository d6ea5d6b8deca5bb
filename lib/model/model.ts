/**
 * The resolved mesh: what the compiler consumes. Every reference is checked and resolved
 * (route targets name a real version and listener port), every default applied, and
 * everything is in a deterministic order, so compiling it twice gives the same bytes.
 */

import type { GatewayJwt } from './jwt';
import type { ConnectionPool, HealthCheck, OutlierDetection } from './listener';
import type { BodyMatch, HeaderMatch, HostnameMatch, PathMatch, QueryParameterMatch } from './match';
import type { ExternalService } from './mesh';
import type { Mtls } from './mtls';
import type { Protocol } from './primitives';
import type { PathSegment } from './problem';
import type { RetryPolicy } from './route';
import type { Tracing } from './tracing';
import type { AccessLog, Discovery, Run } from './version';

export interface MeshModel {
  readonly name: string;
  readonly egress: 'ALLOW_ALL' | 'DROP_ALL';
  /** Sorted by name. */
  readonly services: readonly ServiceModel[];
  readonly gateways: readonly GatewayModel[];
  readonly externalServices: readonly ExternalServiceModel[];
  readonly mtls: MtlsModel;
  readonly tracing?: Tracing;
}

export interface MtlsModel extends Mtls {
  readonly trustDomain: string;
}

/** A SPIFFE ID, or every ID under a prefix (all versions of a service). */
export type PrincipalModel = { readonly exact: string } | { readonly prefix: string };

export interface OperationModel {
  readonly paths?: readonly PathMatch[];
  readonly methods?: readonly string[];
  readonly ports?: readonly number[];
}

export interface AuthorizationRuleModel {
  readonly action: 'ALLOW' | 'DENY';
  /** Any caller when undefined. */
  readonly from?: readonly PrincipalModel[];
  /** Any operation when undefined. */
  readonly to?: readonly OperationModel[];
}

export interface TimeoutModel {
  /** Milliseconds; 0 disables; undefined leaves Envoy's default. */
  readonly perRequestMs?: number;
  readonly idleMs?: number;
}

export interface ListenerModel {
  readonly port: number;
  readonly protocol: Protocol;
  readonly healthCheck?: HealthCheck;
  readonly connectionPool?: ConnectionPool;
  readonly outlierDetection?: OutlierDetection;
  readonly timeout: TimeoutModel;
}

export interface ServiceModel {
  readonly name: string;
  /** The ports callers use, sorted. */
  readonly listeners: readonly { readonly port: number; readonly protocol: Protocol }[];
  readonly versions: readonly VersionModel[];
  /** In match order: by priority, then as written. */
  readonly routes: readonly RouteModel[];
  /** Undefined: every caller admitted; otherwise deny unless an ALLOW rule matches (DENY first). */
  readonly authorization?: readonly AuthorizationRuleModel[];
}

export interface VersionModel {
  readonly service: string;
  readonly name: string;
  readonly listeners: readonly ListenerModel[];
  readonly discovery: Discovery;
  /** Services and external services this version may call, sorted. */
  readonly backends: readonly string[];
  readonly accessLog?: AccessLog;
  readonly run?: Run;
  readonly path: readonly PathSegment[];
}

export interface TargetModel {
  readonly service: string;
  readonly version: string;
  /** The version listener's port. */
  readonly port: number;
  readonly weight: number;
}

export interface HttpMatchModel {
  readonly path: PathMatch;
  readonly headers: readonly HeaderMatch[];
  readonly queryParameters: readonly QueryParameterMatch[];
  readonly method?: string;
  readonly scheme?: 'http' | 'https';
  readonly body?: BodyMatch;
  /** gRPC requests only (Envoy's `grpc: {}` route match). */
  readonly grpc: boolean;
}

export interface RouteModel {
  readonly service: string;
  readonly name: string;
  readonly protocol: Protocol;
  /** The service listener port this route applies to. */
  readonly port: number;
  /** Absent for TCP routes. */
  readonly match?: HttpMatchModel;
  readonly targets: readonly TargetModel[];
  readonly retryPolicy?: RetryPolicy;
  readonly timeout: TimeoutModel;
  readonly rewrite?: { readonly prefix?: string; readonly hostname?: string };
  readonly path: readonly PathSegment[];
}

export interface GatewayModel {
  readonly name: string;
  readonly listeners: readonly ListenerModel[];
  readonly routes: readonly GatewayRouteModel[];
  readonly accessLog?: AccessLog;
  /** Services the gateway routes to, sorted. */
  readonly backends: readonly string[];
  readonly jwt?: GatewayJwt;
}

export interface GatewayRouteModel {
  readonly gateway: string;
  readonly name: string;
  readonly protocol: Protocol;
  /** The gateway listener port. */
  readonly port: number;
  readonly hostname?: HostnameMatch;
  readonly match: HttpMatchModel;
  readonly target: { readonly service: string; readonly port: number };
  /** What replaces the matched prefix (`false`: nothing is rewritten). */
  readonly prefixRewrite: string | false;
  readonly pathRewrite?: string;
  /** `target`: Host becomes the target service's name (App Mesh's default). */
  readonly hostnameRewrite: 'target' | 'keep';
  /** Providers whose tokens the route accepts; none: no token needed. Undefined when the gateway has no JWT. */
  readonly jwtProviders?: readonly string[];
  readonly path: readonly PathSegment[];
}

export interface ExternalServiceModel extends ExternalService {
  readonly name: string;
}
