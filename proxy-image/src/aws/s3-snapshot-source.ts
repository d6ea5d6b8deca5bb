/**
 * The proxy's S3 config source: in AWS, the compile controller publishes each proxy's snapshot
 * to S3 (lib/snapshot-store) and the proxy polls for it instead of streaming ADS. A poll is a
 * conditional GET of the proxy's small pointer object (`If-None-Match: <etag>`: a 304 costs
 * nothing); a new pointer names an immutable snapshot, fetched once and delivered to the
 * watches in the order xDS clients warm (CDS, EDS, LDS, RDS). When S3 cannot be reached the
 * watches keep their last good config and polling backs off with jitter; pointers never go
 * back (`sequence` only grows). `trellis.s3_snapshot.age_seconds` reports how old the applied
 * snapshot is and `sync_age_seconds` how long since S3 last answered, so a proxy cut off from its
 * config shows up in its stats.
 */
// Types only: the SDK itself is required when an S3 source is built (see s3Sdk below).
import type { S3Client } from '@aws-sdk/client-s3';
import { RESOURCE_TYPE_URLS } from '../../../lib/envoy/type-urls';
import { pointerKey } from '../../../lib/snapshot-store/keys';
import { parsePointer, type SnapshotPointer } from '../../../lib/snapshot-store/pointer';
import type { Json } from '../config/fields';
import { log } from '../log';
import type { StatsStore } from '../stats/store';
import { resourceName, type Subscription, type SubscriptionCallbacks } from '../xds/subscription';
import type { S3Location } from './s3-location';
import { startSyncMetric, syncMetricSettings } from './snapshot-sync-metric';

/** Backoff stops growing at 30 s, or at ten poll intervals when polling is faster. */
const BACKOFF_MAX_MS = 30_000;
const BACKOFF_MAX_POLLS = 10;
/** Delivery order: clusters (and their endpoints) before the listeners and routes that use them. */
const ORDER = [
  RESOURCE_TYPE_URLS.clusters,
  RESOURCE_TYPE_URLS.endpoints,
  RESOURCE_TYPE_URLS.listeners,
  RESOURCE_TYPE_URLS.routes,
  RESOURCE_TYPE_URLS.secrets,
];
const STATS = 'trellis.s3_snapshot.';

interface Watch {
  readonly typeUrl: string;
  readonly cb: SubscriptionCallbacks;
  names: readonly string[];
}

interface Applied {
  readonly pointer: SnapshotPointer;
  /** Resources by type URL. */
  readonly resources: ReadonlyMap<string, readonly Json[]>;
}

export interface S3SnapshotSourceOptions {
  readonly location: S3Location;
  /** The proxy's name (its node id): `catalog/v1` or a gateway's name. */
  readonly proxy: string;
  readonly store: StatsStore;
  /** Time between polls when all is well (the ADS config's `refresh_delay`). */
  readonly pollIntervalMs: number;
  readonly requestTimeoutMs?: number;
  /** For tests; otherwise built from the location and the default credential chain. */
  readonly client?: S3Client;
}

/**
 * @aws-sdk/client-s3 is a large module graph that most proxies, fed by a file or ADS, never use
 * (loading it at start left ~2 MiB more live heap and ~20 MiB more committed heap): it is
 * required the first time an S3 source is made. The literal require() keeps it inside the
 * esbuild bundle, where esbuild wraps it to run on demand.
 */
let sdk: typeof import('@aws-sdk/client-s3') | undefined;
function s3Sdk(): typeof import('@aws-sdk/client-s3') {
  sdk ??= require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  return sdk;
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export class S3SnapshotSource {
  private readonly watches = new Map<string, Watch>();
  private readonly client: S3Client;
  private readonly pointerKey: string;
  private etag: string | undefined;
  private ignoredEtag: string | undefined;
  private applied: Applied | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastSync: number | undefined;
  private readonly startedAt = Date.now();
  private stopMetric: (() => void) | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly o: S3SnapshotSourceOptions) {
    const l = o.location;
    this.client =
      o.client ??
      new (s3Sdk().S3Client)({
        ...(l.region ? { region: l.region } : {}),
        ...(l.endpoint ? { endpoint: l.endpoint } : {}),
        forcePathStyle: l.forcePathStyle,
        maxAttempts: 1,
        requestHandler: { requestTimeout: o.requestTimeoutMs ?? 5000 },
      });
    this.pointerKey = `${l.root}${pointerKey(o.proxy)}`;
    o.store.computedGauge(`${STATS}age_seconds`, () => this.ageSeconds());
    o.store.computedGauge(`${STATS}sequence`, () => this.applied?.pointer.sequence ?? 0);
    const metric = syncMetricSettings(process.env);
    if (metric) {
      this.stopMetric = startSyncMetric({
        ...metric,
        proxy: o.proxy,
        pollIntervalMs: o.pollIntervalMs,
        sinceLastSync: () => Date.now() - (this.lastSync ?? this.startedAt),
      });
    }
    // How long the proxy has not heard from S3: grows while S3 or its credentials fail.
    o.store.computedGauge(`${STATS}sync_age_seconds`, () =>
      this.lastSync === undefined ? 0 : Math.floor((Date.now() - this.lastSync) / 1000),
    );
  }

  /** Seconds since the applied snapshot was published; 0 before the first one. */
  ageSeconds(): number {
    const at = this.applied ? Date.parse(this.applied.pointer.publishedAt) : Number.NaN;
    return Number.isNaN(at) ? 0 : Math.max(0, Math.floor((Date.now() - at) / 1000));
  }

  /** The applied pointer (version, sequence, publishedAt), for the admin API. */
  current(): SnapshotPointer | undefined {
    return this.applied?.pointer;
  }

  subscribe(typeUrl: string, cb: SubscriptionCallbacks): Subscription {
    const watch: Watch = { typeUrl, cb, names: [] };
    return {
      start: (names) => {
        watch.names = names;
        this.watches.set(typeUrl, watch);
        // A watch opened after the snapshot arrived (EDS once CDS made its clusters) gets it now.
        if (this.applied) setImmediate(() => this.deliver(watch));
        if (!this.started) {
          this.started = true;
          void this.poll();
        }
      },
      updateNames: (names) => {
        watch.names = names;
        if (this.applied) setImmediate(() => this.deliver(watch));
      },
      stop: () => {
        this.watches.delete(typeUrl);
      },
    };
  }

  stop(): void {
    this.stopped = true;
    this.stopMetric?.();
    if (this.timer) clearTimeout(this.timer);
    this.client.destroy();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    const { store, location } = this.o;
    try {
      const changed = await this.fetch();
      if (this.failures > 0) log.info(`s3://${location.bucket}/${this.pointerKey}: reachable again`);
      this.failures = 0;
      this.lastSync = Date.now();
      store.gauge('control_plane.connected_state').set(1);
      if (changed) this.deliverAll();
      this.schedule(this.o.pollIntervalMs);
    } catch (e) {
      this.failures++;
      store.counter(`${STATS}fetch_failed`).inc();
      store.gauge('control_plane.connected_state').set(0);
      const why = `s3://${location.bucket}/${this.pointerKey}: ${(e as Error).message}`;
      // The watches keep what they have; only a proxy that never got a snapshot is left waiting.
      for (const w of this.watches.values()) w.cb.onFailure(why, false);
      const max = Math.min(BACKOFF_MAX_MS, this.o.pollIntervalMs * BACKOFF_MAX_POLLS);
      const cap = Math.min(max, this.o.pollIntervalMs * 2 ** this.failures);
      this.schedule(this.o.pollIntervalMs / 2 + Math.random() * cap);
    }
  }

  /** `true` when a newer snapshot was read. Throws when S3 cannot be read. */
  private async fetch(): Promise<boolean> {
    const { store, location } = this.o;
    let text: string;
    let etag: string | undefined;
    try {
      const res = await this.client.send(
        new (s3Sdk().GetObjectCommand)({ Bucket: location.bucket, Key: this.pointerKey, IfNoneMatch: this.etag }),
      );
      text = (await res.Body?.transformToString('utf8')) ?? '';
      etag = res.ETag;
    } catch (e) {
      const status = statusOf(e);
      if (status === 304) {
        store.counter(`${STATS}not_modified`).inc();
        return false;
      }
      if (status === 404 || (e as Error).name === 'NoSuchKey') {
        throw new Error('nothing published for this proxy yet');
      }
      throw e;
    }
    const where = `s3://${location.bucket}/${this.pointerKey}`;
    let pointer: SnapshotPointer;
    try {
      pointer = parsePointer(text, where);
    } catch (e) {
      this.ignore('rejected', etag, `${(e as Error).message}; keeping the last good snapshot`);
      return false;
    }
    const current = this.applied?.pointer;
    if (current && pointer.sequence < current.sequence) {
      // An older publication (a restored object, a slower writer) never replaces a newer one.
      const why = `${where}: publication ${pointer.sequence} is older than the applied ${current.sequence}; ignored`;
      this.ignore('stale', etag, why);
      return false;
    }
    // The applied pointer under another ETag: an identical re-put, or a torn read; read it again.
    if (current && pointer.version === current.version) return false;
    const snapshot = await this.client.send(
      new (s3Sdk().GetObjectCommand)({ Bucket: location.bucket, Key: `${location.root}${pointer.key}` }),
    );
    const body = (await snapshot.Body?.transformToString('utf8')) ?? '';
    const resources = this.parseSnapshot(body, `s3://${location.bucket}/${location.root}${pointer.key}`, etag);
    if (!resources) return false;
    this.etag = etag;
    this.ignoredEtag = undefined;
    this.applied = { pointer, resources };
    store.counter(`${STATS}updated`).inc();
    log.info(`snapshot ${pointer.version} (publication ${pointer.sequence}) of ${this.o.proxy} read from S3`);
    return true;
  }

  /**
   * Only an applied pointer's ETag is sent as If-None-Match. A rejected or stale pointer is read
   * again at the next poll: a read torn by a store that is not atomic (s3rver, some S3-compatible
   * servers) must not leave the proxy answering 304 to itself forever. Logged once per ETag.
   */
  private ignore(why: 'rejected' | 'stale', etag: string | undefined, message: string): void {
    this.o.store.counter(`${STATS}${why}`).inc();
    if (etag !== undefined && etag === this.ignoredEtag) return;
    this.ignoredEtag = etag;
    log.warn(message);
  }

  private parseSnapshot(body: string, where: string, etag: string | undefined): Map<string, Json[]> | undefined {
    try {
      const doc = JSON.parse(body) as { version?: unknown; resources?: Record<string, unknown> };
      if (typeof doc.version !== 'string' || !doc.resources || typeof doc.resources !== 'object') {
        throw new Error('version and resources are required');
      }
      const out = new Map<string, Json[]>();
      for (const [type, url] of Object.entries(RESOURCE_TYPE_URLS)) {
        const list = doc.resources[type] ?? [];
        if (!Array.isArray(list)) throw new Error(`resources.${type} must be a list`);
        out.set(url, list as Json[]);
      }
      return out;
    } catch (e) {
      this.ignore('rejected', etag, `${where}: ${(e as Error).message}; keeping the last good snapshot`);
      return undefined;
    }
  }

  private deliverAll(): void {
    for (const url of ORDER) {
      const w = this.watches.get(url);
      if (w) this.deliver(w);
    }
  }

  private deliver(w: Watch): void {
    const applied = this.applied;
    if (!applied || this.watches.get(w.typeUrl) !== w) return;
    const all = applied.resources.get(w.typeUrl) ?? [];
    const wanted = new Set(w.names);
    const resources = wanted.size === 0 ? all : all.filter((r) => wanted.has(resourceName(r)));
    try {
      w.cb.onUpdate(resources, applied.pointer.version);
    } catch {
      // Rejected by the subscriber, which logged and counted it; its last good config stays.
    }
  }
}
