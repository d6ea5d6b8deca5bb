/**
 * Replies the proxy makes itself (no route, no healthy upstream, overflow, timeout…), in
 * Envoy's form: `text/plain` bodies with Envoy's wording; for gRPC requests an HTTP 200
 * trailers-only response with `grpc-status` and `grpc-message` instead, as Envoy sends them.
 */
import type { HeaderMap } from './header-map';

/** gRPC status for an HTTP status (Envoy's Grpc::Utility::httpToGrpcStatus). */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}

export const GrpcStatus = { DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 } as const;

/** gRPC's percent-encoding for grpc-message. */
export function encodeGrpcMessage(msg: string): string {
  let out = '';
  for (const b of Buffer.from(msg, 'utf8')) {
    out +=
      b >= 0x20 && b <= 0x7e && b !== 0x25
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface LocalReply {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: Buffer | undefined;
}

export function makeLocalReply(
  status: number,
  body: string | Buffer | undefined,
  grpc: boolean,
  extra?: HeaderMap,
  grpcStatus?: number,
): LocalReply {
  if (grpc) {
    const text = typeof body === 'string' ? body : (body?.toString('utf8') ?? '');
    const headers: HeaderMap = {
      ...extra,
      'content-type': 'application/grpc',
      'grpc-status': String(grpcStatus ?? grpcStatusForHttp(status)),
    };
    if (text) headers['grpc-message'] = encodeGrpcMessage(text);
    return { status: 200, headers, body: undefined };
  }
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: HeaderMap = { ...extra };
  if (buf?.length) {
    if (headers['content-type'] === undefined) headers['content-type'] = 'text/plain';
    headers['content-length'] = String(buf.length);
  } else if (status !== 204 && status !== 304) headers['content-length'] = '0';
  return { status, headers, body: buf?.length ? buf : undefined };
}
