/**
 * The proxy's secrets (Envoy's SecretManager): static ones from `static_resources.secrets`,
 * SDS ones from a config source (usually ADS), and inline ones in a TLS context. Every secret is
 * a SecretProvider whose material may come from files that are watched for rotation. One per
 * process, as in Envoy; the server configures it before clusters and listeners are built.
 */
import type { ConfigSourceSpec } from '../config/config-source';
import { Fields, type Json, newContext } from '../config/fields';
import { log } from '../log';
import type { StatsStore } from '../stats/store';
import { DiscoveryApi } from '../xds/discovery-api';
import type { Subscription } from '../xds/subscription';
import type { SubscriptionFactory } from '../xds/subscription-factory';
import { FileSecret, type SecretStats } from './file-secret';
import { parseSecret, type SecretConfig, type TlsCertificateConfig, type ValidationContextConfig } from './secret';
import { type SecretMaterial, SecretProvider } from './secret-provider';
import type { SecretRef } from './tls-context';

export const SECRET_TYPE = 'envoy.extensions.transport_sockets.tls.v3.Secret';

interface DynamicSecret {
  readonly provider: SecretProvider;
  loader: FileSecret | undefined;
  fingerprint: string;
}

/** One SDS subscription per config source; names are added as contexts ask for them. */
class SdsApi {
  readonly secrets = new Map<string, DynamicSecret>();
  private readonly api: DiscoveryApi;
  private readonly sub: Subscription;
  private started = false;

  constructor(
    private readonly manager: SecretManager,
    store: StatsStore,
    factory: SubscriptionFactory,
    source: ConfigSourceSpec,
  ) {
    this.api = new DiscoveryApi(store, 'sds.', SECRET_TYPE, 'SDS', (resources) => this.apply(resources));
    this.sub = factory.subscribe(source, SECRET_TYPE, this.api);
  }

  provider(name: string): SecretProvider {
    let s = this.secrets.get(name);
    if (!s) {
      s = { provider: new SecretProvider(name), loader: undefined, fingerprint: '' };
      this.secrets.set(name, s);
      const names = [...this.secrets.keys()];
      if (this.started) this.sub.updateNames(names);
      else {
        this.started = true;
        // Started on the next tick so the contexts of one config update ask in one request.
        queueMicrotask(() => this.sub.start([...this.secrets.keys()]));
      }
    }
    return s.provider;
  }

  private apply(resources: readonly Json[]): void {
    // Parse and load everything before changing anything: a bad secret rejects the update.
    const next: Array<{ s: DynamicSecret; config: SecretConfig; fp: string }> = [];
    resources.forEach((r, i) => {
      const config = parseSecret(Fields.of(r, `resources[${i}]`, newContext()));
      const s = this.secrets.get(config.name);
      if (s) next.push({ s, config, fp: JSON.stringify(r) });
    });
    const loaders = next.map(({ s, config, fp }) =>
      s.fingerprint === fp ? undefined : new FileSecret(config, s.provider, this.manager.statsFor(config.name)),
    );
    next.forEach(({ s, fp }, i) => {
      const l = loaders[i];
      if (!l) return;
      s.loader?.stop();
      s.loader = l;
      s.fingerprint = fp;
    });
  }

  stop(): void {
    this.sub.stop();
    this.api.stop();
    for (const s of this.secrets.values()) s.loader?.stop();
  }
}

export class SecretManager {
  private store: StatsStore | undefined;
  private factory: SubscriptionFactory | undefined;
  private readonly statics = new Map<string, { provider: SecretProvider; loader: FileSecret }>();
  private readonly sds = new Map<string, SdsApi>();
  private readonly inline: FileSecret[] = [];

  /** Called once at startup: where stats go, how SDS subscribes, and the static secrets. */
  configure(store: StatsStore, factory: SubscriptionFactory, secrets: readonly SecretConfig[]): void {
    this.store = store;
    this.factory = factory;
    for (const s of secrets) {
      const provider = new SecretProvider(s.name);
      let loader: FileSecret;
      try {
        loader = new FileSecret(s, provider, this.statsFor(s.name));
      } catch (e) {
        throw new Error(`static_resources.secrets "${s.name}": ${(e as Error).message}`);
      }
      this.statics.set(s.name, { provider, loader });
    }
  }

  statsFor(name: string): SecretStats | undefined {
    if (!this.store) return undefined;
    return {
      updateSuccess: this.store.counter(`sds.${name}.update_success`),
      rotationFailed: this.store.counter(`sds.${name}.key_rotation_failed`),
    };
  }

  /** The provider for a TLS context's certificate or validation context; throws when it cannot exist. */
  provider<T extends TlsCertificateConfig | ValidationContextConfig>(
    ref: SecretRef<T>,
    owned?: FileSecret[],
  ): SecretProvider {
    if (ref.kind === 'inline') {
      // Inline secrets belong to their TLS context (`owned`), which stops their watchers.
      const provider = new SecretProvider('inline');
      const loader = new FileSecret(ref.secret, provider, undefined);
      if (owned) owned.push(loader);
      else this.inline.push(loader);
      return provider;
    }
    if (!ref.source) {
      const s = this.statics.get(ref.name);
      if (!s) throw new Error(`secret "${ref.name}" is not in static_resources.secrets and has no sds_config`);
      return s.provider;
    }
    if (!this.store || !this.factory) throw new Error(`secret "${ref.name}": SDS is not available here`);
    const key = JSON.stringify(ref.source);
    let api = this.sds.get(key);
    if (!api) {
      api = new SdsApi(this, this.store, this.factory, ref.source);
      this.sds.set(key, api);
    }
    return api.provider(ref.name);
  }

  stop(): void {
    for (const s of this.statics.values()) s.loader.stop();
    for (const a of this.sds.values()) a.stop();
    for (const l of this.inline) l.stop();
    log.debug('secret manager stopped');
  }
}

/** The process's secret manager. */
export const secretManager = new SecretManager();

export type { SecretMaterial };
