/**
 * protoc-gen-validate rules (`(validate.rules)` field options in Envoy's .proto files), read from
 * protobufjs' parsed options. Envoy runs these checks on every config it loads and rejects the
 * config on the first failure, so a snapshot that passes here is not NACKed for them.
 *
 * Supported: message.required/skip; string const/len/min_len/max_len/len_bytes/min_bytes/max_bytes/
 * pattern/prefix/suffix/contains/not_contains/in/not_in/ignore_empty, the formats hostname, ip,
 * ipv4, ipv6, address, uuid, and well_known_regex HTTP_HEADER_NAME/VALUE with `strict`; bytes
 * const/len/min_len/max_len/prefix/suffix/contains/in/not_in/ip/ipv4/ipv6; every numeric type's
 * const/lt/lte/gt/gte/in/not_in/ignore_empty (with PGV's reversed, exclusive ranges); bool.const;
 * enum const/defined_only/in/not_in; repeated min_items/max_items/unique/items/ignore_empty; map
 * min_pairs/max_pairs/keys/values/ignore_empty (no_sparse always holds: JSON map values cannot be
 * null); any required/in/not_in; duration
 * required/const/lt/lte/gt/gte/in/not_in; timestamp required/const/lt/lte/gt/gte; the oneof option
 * `(validate.required)`.
 * Not supported (unused by Envoy's v3 API): string email/uri/uri_ref, bytes pattern, timestamp
 * lt_now/gt_now/within (they depend on the clock), message-level `(validate.disabled)`/`ignored`.
 */
import type { Field } from 'protobufjs';

export type Num = number | bigint;

export interface NumericRules {
  readonly const?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly gt?: number;
  readonly gte?: number;
  readonly in?: number | number[];
  readonly not_in?: number | number[];
  readonly ignore_empty?: boolean;
}

export interface StringRules {
  readonly const?: string;
  readonly len?: number;
  readonly min_len?: number;
  readonly max_len?: number;
  readonly len_bytes?: number;
  readonly min_bytes?: number;
  readonly max_bytes?: number;
  readonly pattern?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly contains?: string;
  readonly not_contains?: string;
  readonly in?: string | string[];
  readonly not_in?: string | string[];
  readonly hostname?: boolean;
  readonly ip?: boolean;
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
  readonly address?: boolean;
  readonly uuid?: boolean;
  readonly well_known_regex?: 'UNKNOWN' | 'HTTP_HEADER_NAME' | 'HTTP_HEADER_VALUE' | number;
  readonly strict?: boolean;
  readonly ignore_empty?: boolean;
}

export interface BytesRules {
  readonly const?: string;
  readonly len?: number;
  readonly min_len?: number;
  readonly max_len?: number;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly contains?: string;
  readonly in?: string | string[];
  readonly not_in?: string | string[];
  readonly ip?: boolean;
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
  readonly ignore_empty?: boolean;
}

export interface DurationLiteral {
  readonly seconds?: number;
  readonly nanos?: number;
}

export interface TimeRules {
  readonly required?: boolean;
  readonly const?: DurationLiteral;
  readonly lt?: DurationLiteral;
  readonly lte?: DurationLiteral;
  readonly gt?: DurationLiteral;
  readonly gte?: DurationLiteral;
  readonly in?: DurationLiteral | DurationLiteral[];
  readonly not_in?: DurationLiteral | DurationLiteral[];
}

export interface FieldRules {
  readonly message?: { readonly required?: boolean; readonly skip?: boolean };
  readonly string?: StringRules;
  readonly bytes?: BytesRules;
  readonly bool?: { readonly const?: boolean };
  readonly enum?: {
    readonly const?: number;
    readonly defined_only?: boolean;
    readonly in?: number | number[];
    readonly not_in?: number | number[];
  };
  readonly repeated?: {
    readonly min_items?: number;
    readonly max_items?: number;
    readonly unique?: boolean;
    readonly items?: FieldRules;
    readonly ignore_empty?: boolean;
  };
  readonly map?: {
    readonly min_pairs?: number;
    readonly max_pairs?: number;
    readonly no_sparse?: boolean;
    readonly keys?: FieldRules;
    readonly values?: FieldRules;
    readonly ignore_empty?: boolean;
  };
  readonly any?: { readonly required?: boolean; readonly in?: string | string[]; readonly not_in?: string | string[] };
  readonly duration?: TimeRules;
  readonly timestamp?: TimeRules;
  readonly double?: NumericRules;
  readonly float?: NumericRules;
  readonly int32?: NumericRules;
  readonly int64?: NumericRules;
  readonly uint32?: NumericRules;
  readonly uint64?: NumericRules;
  readonly sint32?: NumericRules;
  readonly sint64?: NumericRules;
  readonly fixed32?: NumericRules;
  readonly fixed64?: NumericRules;
  readonly sfixed32?: NumericRules;
  readonly sfixed64?: NumericRules;
}

type Json = Record<string, unknown>;

function merge(into: Json, from: Json): Json {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v)) {
      into[k] = merge({ ...(cur as Json) }, v as Json);
    } else {
      into[k] = v;
    }
  }
  return into;
}

/** The field's `(validate.rules)`, merged across option statements; undefined when it has none. */
export function rulesOf(field: Field): FieldRules | undefined {
  const parsed = field.parsedOptions as Json[] | null | undefined;
  if (!parsed) return undefined;
  let rules: Json | undefined;
  for (const opt of parsed) {
    const r = opt['(validate.rules)'];
    if (r && typeof r === 'object') rules = merge(rules ?? {}, r as Json);
  }
  return rules as FieldRules | undefined;
}

/** PGV lets a repeated rule value be written once or many times. */
export function list<T>(v: T | T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}
