/**
 * Envoy's `JwtRequirement`: which providers must (or may) vouch for a request — one provider
 * (optionally with its own audiences), any of several, all of several, or "allow missing"
 * variants that let anonymous requests through while still checking a token that is sent.
 */
import type { Fields } from '../config/fields';

export type JwtRequirement =
  | { readonly kind: 'provider'; readonly provider: string; readonly audiences: readonly string[] | undefined }
  | { readonly kind: 'any'; readonly list: readonly JwtRequirement[] }
  | { readonly kind: 'all'; readonly list: readonly JwtRequirement[] }
  | { readonly kind: 'allow_missing_or_failed' }
  | { readonly kind: 'allow_missing' };

export function parseRequirement(f: Fields, providers: ReadonlySet<string>): JwtRequirement {
  const kind = f.oneOf([
    'provider_name',
    'provider_and_audiences',
    'requires_any',
    'requires_all',
    'allow_missing_or_failed',
    'allow_missing',
  ] as const);
  const known = (name: string, field: string) => {
    if (!providers.has(name)) f.fail(field, `provider "${name}" is not defined in providers`);
    return name;
  };
  let out: JwtRequirement;
  switch (kind) {
    case 'provider_name':
      out = {
        kind: 'provider',
        provider: known(f.requiredString('provider_name'), 'provider_name'),
        audiences: undefined,
      };
      break;
    case 'provider_and_audiences': {
      const pa = f.object('provider_and_audiences')!;
      out = {
        kind: 'provider',
        provider: known(pa.requiredString('provider_name'), 'provider_and_audiences.provider_name'),
        audiences: pa.stringArray('audiences'),
      };
      pa.done();
      break;
    }
    case 'requires_any':
    case 'requires_all': {
      const l = f.object(kind)!;
      const list = l.array('requirements').map((r) => parseRequirement(r, providers));
      if (list.length < 2) l.fail('requirements', 'must list at least two requirements');
      l.done();
      out = { kind: kind === 'requires_any' ? 'any' : 'all', list };
      break;
    }
    case 'allow_missing_or_failed':
    case 'allow_missing':
      f.object(kind)?.done();
      out = { kind };
      break;
    default:
      return f.fail(
        '',
        'a requirement needs provider_name, provider_and_audiences, requires_any, requires_all, allow_missing or allow_missing_or_failed',
      );
  }
  f.done();
  return out;
}
