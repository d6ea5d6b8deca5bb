/**
 * A small xDS client for tests and the propagation bench: opens an ADS stream (state of the
 * world or delta) to the server under test over real gRPC, queues every response it gets, and
 * ACKs or NACKs exactly as the test says. Messages go through lib/envoy's codec.
 */
import { type Client, type ClientDuplexStream, credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { grpcServiceDefinition, type JsonObject } from '../../lib/envoy';

type Json = Record<string, unknown>;

export interface XdsTestClient {
  /** Every response received, in order. */
  readonly responses: Json[];
  send(request: Json): void;
  /** The next response not yet taken (optionally of one type), waiting up to `timeoutMs`. */
  next(typeUrl?: string, timeoutMs?: number): Promise<Json>;
  /** Responses not yet taken. */
  pending(): Json[];
  close(): void;
  /** Resolves when the server ends or fails the stream. */
  readonly ended: Promise<string>;
}

const ctors = new Map<string, new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client>();

function ctor(service: string) {
  let c = ctors.get(service);
  if (!c) {
    c = makeGenericClientConstructor(grpcServiceDefinition(service), service) as unknown as typeof c;
    ctors.set(service, c!);
  }
  return c!;
}

export function openXdsStream(
  port: number,
  method: 'StreamAggregatedResources' | 'DeltaAggregatedResources' | string = 'StreamAggregatedResources',
  service = 'envoy.service.discovery.v3.AggregatedDiscoveryService',
): XdsTestClient {
  const Ctor = ctor(service);
  const client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = (client as unknown as Record<string, () => ClientDuplexStream<Json, Json>>)[method].call(client);
  const responses: Json[] = [];
  const waiters = new Set<() => void>();
  const taken = new Set<number>();
  call.on('data', (r: Json) => {
    responses.push(r);
    for (const w of [...waiters]) w();
  });
  const ended = new Promise<string>((resolve) => {
    call.on('error', (e: Error) => resolve(e.message));
    call.on('end', () => resolve('end'));
  });
  const untaken = (typeUrl?: string) =>
    responses.findIndex((r, i) => !taken.has(i) && (!typeUrl || r.type_url === typeUrl));
  return {
    responses,
    send: (req) => call.write(req),
    next(typeUrl, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = untaken(typeUrl);
          if (i < 0) return false;
          taken.add(i);
          cleanup();
          resolve(responses[i]);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${typeUrl ?? 'xDS'} response within ${timeoutMs} ms (got ${responses.length})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        if (!check()) waiters.add(check);
      });
    },
    pending: () => responses.filter((_, i) => !taken.has(i)),
    close() {
      call.cancel();
      client.close();
    },
    ended,
  };
}

/** The request that ACKs `response` (state of the world). */
export function ackOf(response: Json, names: readonly string[] = []): Json {
  return {
    type_url: response.type_url,
    version_info: response.version_info,
    response_nonce: response.nonce,
    resource_names: names,
  };
}

/** The request that NACKs `response`, keeping `acceptedVersion`. */
export function nackOf(response: Json, acceptedVersion: string, message: string, names: readonly string[] = []): Json {
  return {
    type_url: response.type_url,
    version_info: acceptedVersion,
    response_nonce: response.nonce,
    resource_names: names,
    error_detail: { code: 3, message },
  };
}

/** Resource names in a response (SotW: the resources; delta: each Resource's name). */
export function namesIn(response: Json): string[] {
  return ((response.resources ?? []) as JsonObject[]).map(
    (r) => (r.name ?? r.cluster_name ?? (r.resource as JsonObject | undefined)?.name) as string,
  );
}
