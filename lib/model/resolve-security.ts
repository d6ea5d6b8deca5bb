/**
 * Resolves the mesh's security settings: the mTLS mode and trust domain, each service's
 * authorization rules (callers become SPIFFE ID matchers), and gateway JWT requirements.
 */
import type { AuthorizationRule, Caller } from './authorization';
import type { Gateway } from './gateway';
import { gatewayIdentity, serviceIdentityPrefix, versionIdentity } from './identity';
import type { ParsedMesh } from './mesh';
import type { AuthorizationRuleModel, GatewayRouteModel, MtlsModel, PrincipalModel, ServiceModel } from './model';
import type { PathSegment, Problem } from './problem';

export function resolveMtls(parsed: ParsedMesh): MtlsModel {
  return {
    mode: parsed.mtls?.mode ?? 'disabled',
    trustDomain: parsed.mtls?.trustDomain ?? parsed.name,
    minimumProtocolVersion: parsed.mtls?.minimumProtocolVersion ?? 'TLSv1_2',
  };
}

function principal(
  parsed: ParsedMesh,
  trustDomain: string,
  c: Caller,
  path: readonly PathSegment[],
  problems: Problem[],
): PrincipalModel | undefined {
  if (typeof c === 'string' || 'service' in c) {
    const service = typeof c === 'string' ? c : c.service;
    const version = typeof c === 'string' ? undefined : c.version;
    const svc = parsed.services[service];
    if (!svc) {
      problems.push({
        path: typeof c === 'string' ? path : [...path, 'service'],
        reason: `no service named '${service}' in the mesh`,
      });
      return undefined;
    }
    if (version === undefined) return { prefix: serviceIdentityPrefix(trustDomain, service) };
    if (!svc.versions[version]) {
      const known = Object.keys(svc.versions).join(', ') || 'none';
      problems.push({
        path: [...path, 'version'],
        reason: `service '${service}' has no version '${version}' (versions: ${known})`,
      });
      return undefined;
    }
    return { exact: versionIdentity(trustDomain, service, version) };
  }
  if ('gateway' in c) {
    if (!parsed.gateways?.[c.gateway]) {
      problems.push({ path: [...path, 'gateway'], reason: `no gateway named '${c.gateway}' in the mesh` });
      return undefined;
    }
    return { exact: gatewayIdentity(trustDomain, c.gateway) };
  }
  return { exact: c.identity };
}

export function resolveAuthorization(
  parsed: ParsedMesh,
  mtls: MtlsModel,
  service: string,
  rules: readonly AuthorizationRule[] | undefined,
  listeners: ServiceModel['listeners'],
  problems: Problem[],
): AuthorizationRuleModel[] | undefined {
  if (rules === undefined) return undefined;
  const base = ['services', service, 'authorization'];
  return rules.map((rule, i) => {
    const path = [...base, i];
    if (rule.from && mtls.mode === 'disabled') {
      problems.push({
        path: [...path, 'from'],
        reason: "callers are known by their mTLS identity: set mtls.mode to 'strict' or 'permissive'",
      });
    }
    const from = rule.from
      ?.map((c, j) => principal(parsed, mtls.trustDomain, c, [...path, 'from', j], problems))
      .filter((p) => p !== undefined);
    rule.to?.forEach((op, j) => {
      const ports = op.ports ?? listeners.map((l) => l.port);
      op.ports?.forEach((p, k) => {
        if (!listeners.some((l) => l.port === p))
          problems.push({
            path: [...path, 'to', j, 'ports', k],
            reason: `service '${service}' has no listener on port ${p} (ports: ${listeners.map((l) => l.port).join(', ')})`,
          });
      });
      const tcpOnly = ports.every((p) => listeners.find((l) => l.port === p)?.protocol === 'tcp');
      if (tcpOnly && (op.paths || op.methods))
        problems.push({
          path: [...path, 'to', j, op.paths ? 'paths' : 'methods'],
          reason: 'TCP listeners carry no requests: paths and methods need an http, http2 or grpc port',
        });
    });
    return { action: rule.action, ...(from ? { from } : {}), ...(rule.to ? { to: rule.to } : {}) };
  });
}

/** Which providers a gateway route accepts tokens from: none when no token is required. */
export function resolveRouteJwt(
  gateway: { name: string; spec: Gateway },
  route: Gateway['routes'][number],
  index: number,
  problems: Problem[],
): GatewayRouteModel['jwtProviders'] {
  const jwt = gateway.spec.jwt;
  const path = ['gateways', gateway.name, 'routes', index, 'jwt'];
  if (!jwt) {
    if (route.jwt) problems.push({ path, reason: 'the gateway has no jwt providers to require tokens from' });
    return undefined;
  }
  const known = Object.keys(jwt.providers).sort();
  route.jwt?.providers?.forEach((p, i) => {
    if (!jwt.providers[p])
      problems.push({
        path: [...path, 'providers', i],
        reason: `no jwt provider '${p}' on gateway '${gateway.name}' (providers: ${known.join(', ')})`,
      });
  });
  const required = route.jwt?.required ?? (route.jwt?.providers ? true : jwt.required);
  return required ? (route.jwt?.providers ?? known) : [];
}
