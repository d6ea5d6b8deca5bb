/**
 * Envoy's `type.matcher.v3.StringMatcher`: exact, prefix, suffix, contains or safe_regex
 * (RE2, full match), optionally case-insensitive. Compiled once per config.
 */
import { compileRe2, Re2SyntaxError, translateRe2 } from '../../../lib/regex/re2';
import type { Fields } from '../config/fields';

export type StringMatcher = (value: string) => boolean;

function readRegex<T>(f: Fields, compile: (regex: string) => T): T {
  const regex = f.requiredString('regex');
  f.accept('google_re2');
  f.done();
  try {
    return compile(regex);
  } catch (e) {
    if (e instanceof Re2SyntaxError) f.fail('regex', `invalid RE2 regex ${JSON.stringify(regex)}: ${e.message}`);
    throw e;
  }
}

/** Compiles a RegexMatcher (`{ regex, google_re2 }`) for full-match use; errors name the field. */
export function compileRegexMatcher(f: Fields): RegExp {
  return readRegex(f, (r) => compileRe2(r, true));
}

/** A RegexMatcher as a global (find-every-match) JavaScript regex, for rewrites. */
export function compileRegexSearch(f: Fields): RegExp {
  return readRegex(f, (r) => new RegExp(translateRe2(r), 'gu'));
}

export function parseStringMatcher(f: Fields): StringMatcher {
  const ignoreCase = f.bool('ignore_case');
  const kind = f.oneOf(['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const);
  let m: StringMatcher;
  if (kind === 'safe_regex') {
    const re = compileRegexMatcher(f.object('safe_regex')!);
    m = (v) => re.test(v);
  } else if (kind) {
    const raw = f.string(kind, '');
    const want = ignoreCase ? raw.toLowerCase() : raw;
    const norm = ignoreCase ? (v: string) => v.toLowerCase() : (v: string) => v;
    if (kind === 'exact') m = (v) => norm(v) === want;
    else if (kind === 'prefix') m = (v) => norm(v).startsWith(want);
    else if (kind === 'suffix') m = (v) => norm(v).endsWith(want);
    else m = (v) => norm(v).includes(want);
  } else {
    f.done(['custom']);
    f.fail('', 'one of exact, prefix, suffix, contains or safe_regex is required');
  }
  f.done(['custom']);
  return m;
}
