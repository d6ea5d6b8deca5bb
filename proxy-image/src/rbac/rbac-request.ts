/** What RBAC policies are evaluated against: the connection, and the request for HTTP. */
import type { RequestHeaders } from '../http/header-map';
import type { PeerIdentity } from '../tls/peer-verifier';

export interface RbacRequest {
  /** Undefined for the network filter: header and path rules then never match. */
  readonly request: RequestHeaders | undefined;
  /** The verified TLS peer; undefined on plaintext. */
  readonly peer: PeerIdentity | undefined;
  readonly directRemoteIp: string;
  /** The client address after x-forwarded-for handling (same as direct without it). */
  readonly remoteIp: string;
  readonly localIp: string;
  readonly localPort: number;
}

/** `:method`, `:path` … for header rules, as Envoy exposes pseudo-headers to RBAC. */
export function pseudoHeader(req: RequestHeaders): (name: string) => string | undefined {
  return (name) => {
    switch (name) {
      case ':method':
        return req.method;
      case ':path':
        return req.path;
      case ':authority':
        return req.authority;
      case ':scheme':
        return req.scheme;
      default:
        return undefined;
    }
  };
}

/** The path without its query or fragment, as `url_path` matches it. */
export function pathOnly(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}
