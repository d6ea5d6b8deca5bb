/**
 * Where a JWT provider's keys come from: a local JWKS (file or inline, read with the config) or
 * a remote one (`remote_jwks`), fetched over HTTP(S) through the named cluster, cached for
 * `cache_duration` (Envoy's default: 10 minutes), refreshed in the background once stale, and
 * kept when a refresh fails (last good). `async_fetch` fetches at startup instead of on the
 * first request.
 */
import { URL } from 'node:url';
import type { ClusterManager } from '../cluster/cluster-manager';
import { log } from '../log';
import type { Counter } from '../stats/metric';
import { undici } from '../upstream/undici';
import { type Jwk, parseJwks } from './jwks';
import { JwtError } from './jwt-verifier';

export interface JwksSource {
  /** Current keys; rejects with a JwtError when none could ever be fetched. */
  keys(): Promise<readonly Jwk[]>;
}

export class LocalJwks implements JwksSource {
  constructor(private readonly list: readonly Jwk[]) {}

  keys(): Promise<readonly Jwk[]> {
    return Promise.resolve(this.list);
  }
}

export interface RemoteJwksConfig {
  readonly uri: string;
  readonly cluster: string;
  readonly timeoutMs: number;
  readonly cacheDurationMs: number;
  readonly asyncFetch: boolean;
}

export interface JwksFetchStats {
  readonly success: Counter;
  readonly failed: Counter;
}

/** A failed fetch is retried no sooner than this, so a down JWKS server is not hammered. */
const RETRY_AFTER_MS = 1000;

export class RemoteJwks implements JwksSource {
  private current: readonly Jwk[] | undefined;
  private fetchedAt = 0;
  private failedAt = 0;
  private inflight: Promise<void> | undefined;
  private cm: ClusterManager | undefined;
  private stats: JwksFetchStats | undefined;

  constructor(readonly config: RemoteJwksConfig) {}

  /** Called when the filter is bound to its connection manager (cluster manager and stats). */
  bind(cm: ClusterManager, stats: JwksFetchStats): void {
    this.cm = cm;
    this.stats = stats;
    if (this.config.asyncFetch) void this.refresh();
  }

  async keys(): Promise<readonly Jwk[]> {
    const now = Date.now();
    const stale = now - this.fetchedAt > this.config.cacheDurationMs;
    if (this.current) {
      if (stale && now - this.failedAt > RETRY_AFTER_MS) void this.refresh();
      return this.current;
    }
    if (now - this.failedAt > RETRY_AFTER_MS || this.inflight) await this.refresh();
    if (!this.current) throw new JwtError('Jwks remote fetch is failed');
    return this.current;
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.fetch()
      .then((keys) => {
        this.current = keys;
        this.fetchedAt = Date.now();
        this.stats?.success.inc();
      })
      .catch((e: Error) => {
        this.failedAt = Date.now();
        this.stats?.failed.inc();
        log.warn(
          `jwt_authn: JWKS fetch from ${this.config.uri} failed${this.current ? ' (keeping the last good keys)' : ''}: ${e.message}`,
        );
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetch(): Promise<readonly Jwk[]> {
    const c = this.config;
    const cluster = this.cm?.get(c.cluster);
    if (!cluster) throw new Error(`cluster "${c.cluster}" does not exist`);
    const host = cluster.chooseHost(undefined);
    if (!host) throw new Error(`cluster "${c.cluster}" has no healthy host`);
    const u = new URL(c.uri);
    const target = `${u.protocol}//${host.address.includes(':') ? `[${host.address}]` : host.address}:${host.port}${u.pathname}${u.search}`;
    const { Agent, request } = undici();
    const dispatcher = new Agent({ connect: { servername: u.protocol === 'https:' ? u.hostname : undefined } });
    try {
      const res = await request(target, {
        headers: { host: u.host, accept: 'application/json' },
        dispatcher,
        signal: AbortSignal.timeout(c.timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      return parseJwks(text, c.uri);
    } finally {
      void dispatcher.close();
    }
  }
}
