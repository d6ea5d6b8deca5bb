/**
 * Envoy's `config.route.v3.HeaderMatcher`, with the legacy `*_match` fields and the
 * `string_match` form. Repeated headers are joined with `,` before matching, and a missing
 * header matches only `present_match: false` or an inverted matcher, as Envoy does.
 */
import type { Fields } from '../config/fields';
import { type HeaderMap, headerValue } from '../http/header-map';
import { compileRegexMatcher, parseStringMatcher, type StringMatcher } from './string-matcher';

export interface HeaderMatcher {
  readonly name: string;
  matches(headers: HeaderMap, pseudo?: (name: string) => string | undefined): boolean;
}

const INT64 = /^[+-]?\d+$/;

export function parseHeaderMatcher(f: Fields): HeaderMatcher {
  const name = f.requiredString('name').toLowerCase();
  const invert = f.bool('invert_match');
  const treatMissingAsEmpty = f.bool('treat_missing_header_as_empty');
  let present: boolean | undefined;
  let test: StringMatcher;
  const kind = f.oneOf([
    'exact_match',
    'safe_regex_match',
    'range_match',
    'present_match',
    'prefix_match',
    'suffix_match',
    'contains_match',
    'string_match',
  ] as const);
  switch (kind) {
    case 'exact_match': {
      const want = f.string(kind, '');
      test = (v) => v === want;
      break;
    }
    case 'prefix_match': {
      const want = f.string(kind, '');
      test = (v) => v.startsWith(want);
      break;
    }
    case 'suffix_match': {
      const want = f.string(kind, '');
      test = (v) => v.endsWith(want);
      break;
    }
    case 'contains_match': {
      const want = f.string(kind, '');
      test = (v) => v.includes(want);
      break;
    }
    case 'safe_regex_match': {
      const re = compileRegexMatcher(f.object(kind)!);
      test = (v) => re.test(v);
      break;
    }
    case 'range_match': {
      const r = f.object(kind)!;
      const start = r.number('start', 0);
      const end = r.number('end', 0);
      r.done();
      test = (v) => {
        if (!INT64.test(v)) return false;
        const n = Number(v);
        return n >= start && n < end;
      };
      break;
    }
    case 'present_match':
      present = f.bool(kind);
      test = () => present === true;
      break;
    case 'string_match':
      test = parseStringMatcher(f.object(kind)!);
      break;
    default:
      // No match type: Envoy treats this as "header is present".
      present = true;
      test = () => true;
  }
  f.done();
  const isPresence = present !== undefined;
  return {
    name,
    matches(headers, pseudo) {
      let v = name.charCodeAt(0) === 58 /* ':' */ && pseudo ? pseudo(name) : headerValue(headers, name);
      if (v === undefined) {
        if (!treatMissingAsEmpty) {
          if (isPresence) return present === false ? !invert : invert;
          return invert;
        }
        v = '';
      }
      const r = test(v);
      return invert ? !r : r;
    },
  };
}
