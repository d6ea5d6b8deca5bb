/**
 * SPIFFE IDs of the mesh's proxies. A sidecar's has two path segments (service, version), a
 * gateway's one, so a service and a gateway of the same name never share an identity.
 */

export function versionIdentity(trustDomain: string, service: string, version: string): string {
  return `spiffe://${trustDomain}/${service}/${version}`;
}

/** Every version of a service: what a caller rule naming only the service matches, as a prefix. */
export function serviceIdentityPrefix(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/${service}/`;
}

export function gatewayIdentity(trustDomain: string, gateway: string): string {
  return `spiffe://${trustDomain}/${gateway}`;
}

/** Any identity of the trust domain. */
export function trustDomainPrefix(trustDomain: string): string {
  return `spiffe://${trustDomain}/`;
}
