/** What RBAC policies are evaluated against: the connection, and the request for HTTP. */
import type { RequestHeaders } from '../http/header-map';

export { pathOnly, pseudoHeader } from '../http/header-map';

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
