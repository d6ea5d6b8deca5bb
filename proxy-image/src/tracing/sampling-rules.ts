/**
 * X-Ray local sampling rules (the manifest Envoy's `sampling_rule_manifest` points at, in the
 * X-Ray SDKs' version 2 format): the first rule whose host, method and path globs match
 * decides; each rule (and the default) samples its `fixed_target` requests per second (the
 * reservoir), then `rate` of the rest. Without a manifest: 1 per second and 5%, as the SDKs.
 */
import { ConfigError, isObject, type Json } from '../config/fields';
import { wallClockMs } from '../event/wall-clock';

export interface SamplingRule {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly fixedTarget: number;
  readonly rate: number;
}

export interface SamplingManifest {
  readonly rules: readonly SamplingRule[];
  readonly default: { readonly fixedTarget: number; readonly rate: number };
}

export const DEFAULT_MANIFEST: SamplingManifest = { rules: [], default: { fixedTarget: 1, rate: 0.05 } };

/** Parses a manifest's JSON text; `where` names the config field in errors. */
export function parseSamplingManifest(text: string, where: string): SamplingManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(where, `sampling rules are not JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new ConfigError(where, 'sampling rules must be a JSON object');
  if (doc.version !== undefined && doc.version !== 2 && doc.version !== 1) {
    throw new ConfigError(`${where}.version`, `must be 1 or 2, not ${JSON.stringify(doc.version)}`);
  }
  const target = (o: Json, at: string) => {
    const fixedTarget = o.fixed_target ?? 0;
    const rate = o.rate ?? 0;
    if (typeof fixedTarget !== 'number' || !Number.isInteger(fixedTarget) || fixedTarget < 0) {
      throw new ConfigError(`${at}.fixed_target`, 'must be a whole number ≥ 0');
    }
    if (typeof rate !== 'number' || rate < 0 || rate > 1)
      throw new ConfigError(`${at}.rate`, 'must be between 0 and 1');
    return { fixedTarget, rate };
  };
  if (!isObject(doc.default)) throw new ConfigError(`${where}.default`, 'is required');
  const rules = (Array.isArray(doc.rules) ? doc.rules : []).map((r: unknown, i: number) => {
    const at = `${where}.rules[${i}]`;
    if (!isObject(r)) throw new ConfigError(at, 'must be an object');
    const glob = (k: string) => {
      const v = r[k] ?? '*';
      if (typeof v !== 'string') throw new ConfigError(`${at}.${k}`, 'must be a string');
      return v;
    };
    return { host: glob('host'), method: glob('http_method'), path: glob('url_path'), ...target(r, at) };
  });
  return { rules, default: target(doc.default, `${where}.default`) };
}

/** X-Ray's wildcard match: `*` any run of characters, `?` one character, case-insensitive. */
export function globMatch(pattern: string, text: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(text);
}

/** One reservoir per rule: `fixedTarget` per wall-clock second. */
class Reservoir {
  private second = -1;
  private used = 0;

  constructor(private readonly perSecond: number) {}

  take(nowMs: number): boolean {
    const s = Math.floor(nowMs / 1000);
    if (s !== this.second) {
      this.second = s;
      this.used = 0;
    }
    if (this.used >= this.perSecond) return false;
    this.used++;
    return true;
  }
}

export class Sampler {
  private readonly reservoirs: Reservoir[];
  private readonly defaultReservoir: Reservoir;

  constructor(
    private readonly manifest: SamplingManifest,
    private readonly random: () => number = Math.random,
  ) {
    this.reservoirs = manifest.rules.map((r) => new Reservoir(r.fixedTarget));
    this.defaultReservoir = new Reservoir(manifest.default.fixedTarget);
  }

  shouldSample(host: string, method: string, path: string, nowMs = wallClockMs()): boolean {
    const i = this.manifest.rules.findIndex(
      (r) => globMatch(r.host, host) && globMatch(r.method, method) && globMatch(r.path, path),
    );
    const rule = i >= 0 ? this.manifest.rules[i] : this.manifest.default;
    const reservoir = i >= 0 ? this.reservoirs[i] : this.defaultReservoir;
    return reservoir.take(nowMs) || this.random() < rule.rate;
  }
}
