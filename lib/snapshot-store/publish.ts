/**
 * One controller run: definition + endpoints → compiled, validated, guarded snapshots, published.
 * Nothing is written unless every proxy's snapshot compiles and passes Envoy's schema (validate
 * before publish), and the guard agrees. Pointers are read before endpoints are observed and
 * replaced only if unchanged since, so with at-least-once, concurrent and out-of-order runs each
 * proxy's versions only move forward; a run that loses the race starts over on fresh inputs.
 */
import { type CompileOptions, compile, proxyNames } from '../compiler/compile';
import type { EndpointSet } from '../compiler/endpoints';
import type { ProxyCertificates } from '../compiler/secrets';
import { contentHash, type Snapshot } from '../compiler/snapshot';
import { validateSnapshot } from '../compiler/validate-snapshot';
import type { MeshModel } from '../model/model';
import { formatProblem } from '../model/problem';
import { validateMesh } from '../model/validate';
import { checkDeletion, type DeletionGuardOptions } from './deletion-guard';
import type { PublicationRecord } from './publication-record';
import { type SnapshotStore, StoreConflictError, type StoredPointer } from './snapshot-store';

export interface PublishMeshOptions {
  readonly store: SnapshotStore;
  /** Endpoints of every version of the model (Cloud Map in AWS). */
  readonly discover: (model: MeshModel) => Promise<EndpointSet>;
  /** A newly deployed definition; written only if it publishes. Otherwise the stored one is compiled. */
  readonly definition?: unknown;
  readonly compileOptions?: CompileOptions;
  /**
   * Each proxy's mTLS certificate, key and trust bundle from a CA the controller talks to (AWS
   * Private CA), compiled inline into its snapshot. Called once per attempt, after discovery.
   * @default - none: proxies read their certificates from their TLS directory
   */
  readonly certificates?: (model: MeshModel) => Promise<Readonly<Record<string, ProxyCertificates>>>;
  readonly guard?: DeletionGuardOptions;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Snapshots kept per proxy beyond the current and previous ones. @default 5 */
  readonly keepVersions?: number;
  /** Runs started over after losing a race to another writer. @default 3 */
  readonly maxAttempts?: number;
}

export interface ProxyPublication {
  readonly proxy: string;
  readonly status: 'published' | 'unchanged';
  readonly version: string;
  readonly sequence: number;
  readonly publishedAt: string;
}

export interface PublishMeshResult {
  /** `no-definition`: nothing was ever deployed, so there is nothing to compile yet. */
  readonly status: 'published' | 'unchanged' | 'no-definition';
  readonly model?: MeshModel;
  readonly endpoints: EndpointSet;
  readonly proxies: readonly ProxyPublication[];
  readonly attempts: number;
}

export type PublishStage = 'definition' | 'certificates' | 'compile' | 'validate' | 'guard';

/** Why nothing was published; `lines` are for people (one problem each). */
export class PublishError extends Error {
  constructor(
    readonly stage: PublishStage,
    readonly lines: readonly string[],
  ) {
    super(`${stage} failed: ${lines.join('; ')}`);
    this.name = 'PublishError';
  }
}

export async function publishMesh(o: PublishMeshOptions): Promise<PublishMeshResult> {
  const attempts = o.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await publishOnce(o)), attempts: attempt };
    } catch (e) {
      if (!(e instanceof StoreConflictError) || attempt >= attempts) throw e;
    }
  }
}

async function publishOnce(o: PublishMeshOptions): Promise<Omit<PublishMeshResult, 'attempts'>> {
  const now = o.now ?? (() => new Date());
  const definition = o.definition ?? (await o.store.readDefinition());
  if (definition === undefined) return { status: 'no-definition', endpoints: {}, proxies: [] };

  const { model, problems } = validateMesh(definition);
  if (!model) throw new PublishError('definition', problems.map(formatProblem));
  const proxies = proxyNames(model);

  // Read before observing: a pointer that moves after this was published from newer inputs.
  const expected = new Map<string, StoredPointer | undefined>();
  await mapLimit(proxies, 8, async (p) => void expected.set(p, await o.store.readPointer(p)));

  const endpoints = await o.discover(model);
  const compiled = compile(model, endpoints, await withCertificates(o, model));
  if (compiled.problems.length) throw new PublishError('compile', compiled.problems.map(formatProblem));

  const invalid = proxies.flatMap((p) => validateSnapshot(compiled.snapshots[p]).map((line) => `${p}: ${line}`));
  if (invalid.length) throw new PublishError('validate', invalid);

  const counts = endpointCounts(model, endpoints);
  const previous = await o.store.readRecord();
  const refused = checkDeletion(previous, { proxies, endpoints: counts }, o.guard);
  if (refused) throw new PublishError('guard', [refused]);

  if (o.definition !== undefined) await o.store.writeDefinition(o.definition);
  const results = await mapLimit(proxies, 8, async (proxy): Promise<ProxyPublication> => {
    const snapshot: Snapshot = compiled.snapshots[proxy];
    const out = await o.store.publish(proxy, snapshot, expected.get(proxy), now());
    if (out.status === 'published') await o.store.prune(proxy, o.keepVersions ?? 5);
    const { version, sequence, publishedAt } = out.pointer;
    return { proxy, status: out.status, version, sequence, publishedAt };
  });

  const record: PublicationRecord = {
    definition: contentHash(definition),
    proxies: Object.fromEntries(results.map((r) => [r.proxy, r.version])),
    endpoints: counts,
    publishedAt: now().toISOString(),
  };
  const changed =
    !previous || contentHash({ ...previous, publishedAt: '' }) !== contentHash({ ...record, publishedAt: '' });
  if (changed) await o.store.writeRecord(record);

  const anyPublished = results.some((r) => r.status === 'published');
  return { status: anyPublished || changed ? 'published' : 'unchanged', model, endpoints, proxies: results };
}

/** The compile options with each proxy's issued certificates as `placement.tls.certificates`. */
async function withCertificates(o: PublishMeshOptions, model: MeshModel): Promise<CompileOptions | undefined> {
  if (!o.certificates) return o.compileOptions;
  let issued: Readonly<Record<string, ProxyCertificates>>;
  try {
    issued = await o.certificates(model);
  } catch (e) {
    throw new PublishError('certificates', [(e as Error).message]);
  }
  const placement = o.compileOptions?.placement;
  return {
    ...o.compileOptions,
    placement: (proxy) => {
      const base = placement?.(proxy);
      const certificates = issued[proxy];
      return certificates ? { ...base, tls: { ...base?.tls, certificates } } : base;
    },
  };
}

/** Endpoints per `<service>/<version>` of the model, 0 for versions nothing was found for. */
export function endpointCounts(model: MeshModel, endpoints: EndpointSet): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of model.services)
    for (const v of s.versions) out[`${s.name}/${v.name}`] = endpoints[`${s.name}/${v.name}`]?.length ?? 0;
  return out;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
