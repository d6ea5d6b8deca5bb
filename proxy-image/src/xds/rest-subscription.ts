/**
 * REST-JSON polling (`api_config_source { api_type: REST }`): every `refresh_delay` the proxy
 * POSTs a DiscoveryRequest to `/v3/discovery:<type>` on the config cluster and applies the
 * DiscoveryResponse. 304 means unchanged. A rejected response is reported in the next request's
 * `error_detail` with the last accepted `version_info`, as Envoy's REST client does.
 */
import type { ApiConfigSource } from '../config/config-source';
import { isObject, type Json } from '../config/fields';
import { checkSchema } from '../config/load';
import { undici } from '../upstream/undici';
import type { Subscription, SubscriptionCallbacks } from './subscription';

const PATHS: Record<string, string> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'listeners',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'clusters',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'routes',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'endpoints',
};

export class RestSubscription implements Subscription {
  private names: readonly string[] = [];
  private version = '';
  private errorDetail: { code: number; message: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly path: string;

  constructor(
    private readonly api: ApiConfigSource,
    private readonly typeUrl: string,
    private readonly node: Json,
    private readonly target: () => string | undefined,
    private readonly cb: SubscriptionCallbacks,
  ) {
    this.path = `/v3/discovery:${PATHS[typeUrl] ?? typeUrl.replace(/^.*\./, '').toLowerCase()}`;
  }

  start(names: readonly string[]): void {
    this.names = names;
    void this.poll();
  }

  updateNames(names: readonly string[]): void {
    this.names = names;
    if (this.timer) clearTimeout(this.timer);
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.fetchOnce();
    } finally {
      if (!this.stopped) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.poll(), this.api.refreshDelayMs);
        this.timer.unref();
      }
    }
  }

  private async fetchOnce(): Promise<void> {
    const target = this.target();
    const cluster = this.api.clusterNames[0];
    if (!target) {
      this.cb.onFailure(`REST config cluster "${cluster}" has no healthy host`, false);
      return;
    }
    const body: Json = {
      version_info: this.version,
      node: this.node,
      resource_names: this.names,
      type_url: this.typeUrl,
    };
    if (this.errorDetail) body.error_detail = this.errorDetail;
    let status: number;
    let text: string;
    try {
      const res = await undici().request(`http://${target}${this.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        headersTimeout: this.api.requestTimeoutMs,
        bodyTimeout: this.api.requestTimeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (e) {
      this.cb.onFailure(`POST ${this.path} to ${cluster}: ${(e as Error).message}`, false);
      return;
    }
    if (status === 304) return;
    if (status !== 200) {
      this.cb.onFailure(`POST ${this.path} to ${cluster}: HTTP ${status}`, false);
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
      checkSchema('envoy.service.discovery.v3.DiscoveryResponse', doc, `${cluster}${this.path}`);
    } catch (e) {
      this.errorDetail = { code: 3, message: (e as Error).message };
      this.cb.onFailure((e as Error).message, true);
      return;
    }
    const d = doc as Json;
    const version = typeof d.version_info === 'string' ? d.version_info : '';
    const resources = Array.isArray(d.resources) ? (d.resources as unknown[]).filter(isObject) : [];
    try {
      this.cb.onUpdate(resources, version);
      this.version = version;
      this.errorDetail = undefined;
    } catch (e) {
      this.errorDetail = { code: 3, message: (e as Error).message };
    }
  }
}
