/**
 * The subscriber side of one xDS resource type (Envoy's CdsApi, LdsApi, RdsRouteConfigSubscription,
 * EdsClusterImpl share this): schema-checks every resource, hands them to `apply` (which parses
 * and validates everything before swapping anything in), counts `update_attempt/success/
 * rejected/failure` under its stat prefix, logs a rejection once, and rethrows it so the source
 * can NACK. Also tracks the initial fetch (`initial_fetch_timeout`).
 */
import { validateJson } from '../../../lib/envoy';
import type { Json } from '../config/fields';
import { ConfigLoadError } from '../config/load';
import { log } from '../log';
import type { Counter, Gauge } from '../stats/metric';
import type { StatsStore } from '../stats/store';
import type { SubscriptionCallbacks } from './subscription';

export class DiscoveryApi implements SubscriptionCallbacks {
  private readonly attempt: Counter;
  private readonly success: Counter;
  private readonly rejected: Counter;
  private readonly failure: Counter;
  private readonly initTimeout: Counter;
  private readonly versionGauge: Gauge;
  versionInfo = '';
  lastUpdated: Date | undefined;
  /** The last rejection, for /config_dump's error state. */
  lastError: string | undefined;
  private initialDone = false;
  private resolveInitial!: () => void;
  readonly initial: Promise<void>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    store: StatsStore,
    statPrefix: string,
    readonly typeName: string,
    private readonly where: string,
    private readonly apply: (resources: readonly Json[], version: string) => void,
  ) {
    this.attempt = store.counter(`${statPrefix}update_attempt`);
    this.success = store.counter(`${statPrefix}update_success`);
    this.rejected = store.counter(`${statPrefix}update_rejected`);
    this.failure = store.counter(`${statPrefix}update_failure`);
    this.initTimeout = store.counter(`${statPrefix}init_fetch_timeout`);
    this.versionGauge = store.gauge(`${statPrefix}version`);
    this.initial = new Promise((resolve) => {
      this.resolveInitial = resolve;
    });
  }

  /** Starts the initial-fetch clock: after `ms` (0: never) initialization goes on without this type. */
  armInitialFetchTimeout(ms: number): void {
    if (ms <= 0 || this.initialDone) return;
    this.timer = setTimeout(() => {
      if (this.initialDone) return;
      this.initTimeout.inc();
      log.warn(`${this.where}: no ${this.typeName} after ${ms} ms (initial_fetch_timeout); continuing without it`);
      this.initialized();
    }, ms);
    this.timer.unref();
  }

  private initialized(): void {
    if (this.initialDone) return;
    this.initialDone = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolveInitial();
  }

  onUpdate(resources: readonly Json[], version: string): void {
    this.attempt.inc();
    try {
      const problems: string[] = [];
      resources.forEach((r, i) => {
        for (const p of validateJson(this.typeName, r)) {
          problems.push(`${this.where}: resources[${i}]${p.path ? `.${p.path}` : ''}: ${p.reason}`);
        }
      });
      if (problems.length) throw new ConfigLoadError(problems);
      this.apply(resources, version);
    } catch (e) {
      this.rejected.inc();
      this.lastError = (e as Error).message;
      log.warn(
        `${this.where}: ${this.typeName} update rejected (keeping the last good config):\n  ${this.lastError.split('\n').join('\n  ')}`,
      );
      throw e;
    }
    this.success.inc();
    this.lastError = undefined;
    this.versionInfo = version;
    this.lastUpdated = new Date();
    this.versionGauge.set(hashVersion(version));
    this.initialized();
  }

  onFailure(reason: string, rejected: boolean): void {
    this.attempt.inc();
    if (rejected) {
      this.rejected.inc();
      this.lastError = reason;
      log.warn(
        `${this.where}: ${this.typeName} update rejected (keeping the last good config):\n  ${reason.split('\n').join('\n  ')}`,
      );
    } else {
      this.failure.inc();
      log.warn(`${this.where}: ${this.typeName} fetch failed: ${reason}`);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/** Envoy's `version` gauge is a hash of version_info; a 32-bit one fits a JS number exactly. */
function hashVersion(v: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
