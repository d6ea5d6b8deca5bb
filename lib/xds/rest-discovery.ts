/**
 * Envoy's REST-JSON xDS (`api_config_source { api_type: REST }`): the client POSTs a
 * DiscoveryRequest to `/v3/discovery:<type>` and gets the DiscoveryResponse as proto3 JSON,
 * or 304 when what it has is current. There is no nonce: the request's `version_info` is
 * what the client last accepted, and `error_detail` NACKs what it was last given, which is
 * then not given again until it changes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decode, encode } from '../envoy/proto-json';
import { RESOURCE_TYPE_URLS } from '../envoy/type-urls';
import type { ClientStatus, StreamState } from './client-status';
import { CONTROL_PLANE } from './discovery-stream';
import { readBody, replyJson as reply } from './http-json';
import type { NodeKey } from './node';
import { describeSubscription, selectResources, subscriptionOf } from './resources';
import type { SnapshotCache } from './snapshot-cache';
import type { DiscoveryRequest } from './sotw-stream';

const PATH = /^\/v3\/discovery:([a-z]+)$/;

interface RestTypeState {
  lastServed?: string;
  nacked?: string;
}

export class RestDiscovery {
  /** One pseudo-stream per node id, so the dashboard shows REST clients like streaming ones. */
  private readonly clients = new Map<string, { stream: StreamState; types: Map<string, RestTypeState> }>();
  private nonce = 0;

  constructor(
    private readonly cache: SnapshotCache,
    private readonly status: ClientStatus,
    private readonly nodeKey: NodeKey,
  ) {}

  /** Handles `POST /v3/discovery:*`; false for any other path, so servers can chain handlers. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const m = PATH.exec((req.url ?? '').split('?')[0]);
    if (!m) return false;
    const typeUrl = RESOURCE_TYPE_URLS[m[1] as keyof typeof RESOURCE_TYPE_URLS];
    if (!typeUrl) {
      reply(res, 404, { message: `no xDS type '${m[1]}' (one of ${Object.keys(RESOURCE_TYPE_URLS).join(', ')})` });
      return true;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      reply(res, 405, { message: 'REST xDS takes a POSTed DiscoveryRequest' });
      return true;
    }
    readBody(req).then(
      (body) => this.discover(body, typeUrl, res),
      (e: Error) => reply(res, 400, { message: e.message }),
    );
    return true;
  }

  private discover(body: string, typeUrl: string, res: ServerResponse): void {
    let request: DiscoveryRequest;
    try {
      // Through the codec: Envoy may send lowerCamelCase names; this yields the proto names.
      const json = JSON.parse(body || '{}');
      const type = 'envoy.service.discovery.v3.DiscoveryRequest';
      request = decode(type, encode(type, json)) as DiscoveryRequest;
    } catch (e) {
      reply(res, 400, { message: `not a DiscoveryRequest: ${(e as Error).message}` });
      return;
    }
    if (request.type_url && request.type_url !== typeUrl) {
      reply(res, 400, { message: `type_url ${request.type_url} does not match the path (${typeUrl})` });
      return;
    }
    const nodeId = request.node?.id;
    if (!request.node || !nodeId) {
      reply(res, 400, { message: 'node.id is required: it says which proxy is asking' });
      return;
    }
    const client = this.client(request);
    client.stream.lastSeen = Date.now();
    const type = this.status.type(client.stream, typeUrl);
    let state = client.types.get(typeUrl);
    if (!state) client.types.set(typeUrl, (state = {}));

    if (request.error_detail && state.lastServed !== undefined && state.nacked !== state.lastServed) {
      state.nacked = state.lastServed;
      this.status.nacked(client.stream, type, state.lastServed, request.error_detail);
    } else if (!request.error_detail && request.version_info && request.version_info === state.lastServed) {
      if (type.ackedVersion !== request.version_info) this.status.acked(client.stream, type, request.version_info);
    }

    const snapshot = this.cache.getSnapshot(client.stream.key!);
    if (!snapshot) {
      reply(res, 503, { message: `no configuration for node '${nodeId}' yet` });
      return;
    }
    const subscription = subscriptionOf(typeUrl, request.resource_names);
    type.names = describeSubscription(subscription);
    const { resources, version } = selectResources(snapshot, typeUrl, subscription);
    if (version === request.version_info || version === state.nacked) {
      res.writeHead(304).end();
      return;
    }
    state.lastServed = version;
    const nonce = String(++this.nonce);
    this.status.sent(client.stream, type, version, nonce);
    reply(res, 200, { version_info: version, resources, type_url: typeUrl, nonce, control_plane: CONTROL_PLANE });
  }

  private client(request: DiscoveryRequest) {
    const id = request.node!.id!;
    let c = this.clients.get(id);
    if (!c) {
      const stream = this.status.open('rest');
      stream.node = request.node;
      stream.key = this.nodeKey(request.node!);
      this.clients.set(id, (c = { stream, types: new Map() }));
    }
    return c;
  }
}
