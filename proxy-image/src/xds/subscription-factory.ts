/**
 * Picks the subscription for a ConfigSource: a file, REST polling, a per-type gRPC stream, or
 * the shared ADS stream. REST and gRPC sources name a static cluster; its first healthy host is
 * the control plane's address.
 */
import { isS3Uri, parseS3Uri } from '../aws/s3-location';
import type { S3SnapshotSource } from '../aws/s3-snapshot-source';
import type { ApiConfigSource, ConfigSourceSpec } from '../config/config-source';
import type { NodeInfo } from '../config/node';
import type { StatsStore } from '../stats/store';
import { ADS_SERVICE, GrpcMux, PER_TYPE_SERVICES } from './grpc-mux';
import { PathSubscription } from './path-subscription';
import { RestSubscription } from './rest-subscription';
import type { Subscription, SubscriptionCallbacks } from './subscription';

/** `host:port` of a healthy host of a static cluster (resolved late: clusters warm first). */
export type ClusterTarget = (cluster: string) => string | undefined;

export class SubscriptionFactory {
  private ads: GrpcMux | undefined;
  /** ADS served from S3 snapshots instead of a stream (target_uri `s3://…`): see aws/s3-snapshot-source.ts. */
  private s3: S3SnapshotSource | undefined;
  private readonly muxes: GrpcMux[] = [];
  clusterTarget: ClusterTarget = () => undefined;
  /** Subscriptions made so far: none means the config can never change. */
  subscriptions = 0;

  constructor(
    private readonly node: NodeInfo,
    private readonly store: StatsStore,
    private readonly adsConfig: ApiConfigSource | undefined,
  ) {}

  private targetOf(api: ApiConfigSource): () => string | undefined {
    const g = api.grpcServices[0];
    if (g?.targetUri) {
      const uri = g.targetUri;
      return () => uri;
    }
    const cluster = g?.clusterName ?? api.clusterNames[0];
    return () => this.clusterTarget(cluster);
  }

  private muxFor(api: ApiConfigSource, typeUrl: string): GrpcMux {
    const svc = api.apiType === 'AGGREGATED_GRPC' ? ADS_SERVICE : PER_TYPE_SERVICES[typeUrl];
    if (!svc) throw new Error(`no gRPC discovery service for ${typeUrl}`);
    const mux = new GrpcMux(
      svc,
      this.targetOf(api),
      this.node.json,
      api.setNodeOnFirstMessageOnly,
      this.store.gauge('control_plane.connected_state'),
    );
    this.muxes.push(mux);
    return mux;
  }

  subscribe(source: ConfigSourceSpec, typeName: string, cb: SubscriptionCallbacks): Subscription {
    const typeUrl = `type.googleapis.com/${typeName}`;
    this.subscriptions++;
    switch (source.kind) {
      case 'path':
        return new PathSubscription(source.path, typeUrl, cb);
      case 'ads': {
        if (!this.adsConfig) throw new Error('ads config source without dynamic_resources.ads_config');
        const uri = this.adsConfig.grpcServices[0]?.targetUri;
        if (isS3Uri(uri)) {
          // Required here: the S3 source brings the AWS SDK and zod, which only an AWS proxy needs.
          const { S3SnapshotSource: Source } =
            require('../aws/s3-snapshot-source') as typeof import('../aws/s3-snapshot-source');
          this.s3 ??= new Source({
            location: parseS3Uri(uri),
            proxy: this.node.id,
            store: this.store,
            pollIntervalMs: this.adsConfig.refreshDelayMs,
            requestTimeoutMs: this.adsConfig.requestTimeoutMs,
          });
          return this.s3.subscribe(typeUrl, cb);
        }
        if (!this.ads) this.ads = this.muxFor({ ...this.adsConfig, apiType: 'AGGREGATED_GRPC' }, typeUrl);
        return this.ads.subscribe(typeUrl, cb);
      }
      case 'api': {
        const api = source.api;
        if (api.apiType === 'REST') {
          return new RestSubscription(api, typeUrl, this.node.json, this.targetOf(api), cb);
        }
        return this.muxFor(api, typeUrl).subscribe(typeUrl, cb);
      }
    }
  }

  stop(): void {
    this.s3?.stop();
    for (const m of this.muxes) m.stop();
  }
}
