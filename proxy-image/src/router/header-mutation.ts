/**
 * `request_headers_to_add` / `_to_remove` and their response twins (Envoy's HeaderParser):
 * removals first, then additions by `append_action`; values may hold formatter operators
 * (`%DOWNSTREAM_REMOTE_ADDRESS%`), compiled once.
 */
import { FormatError, Formatter } from '../access-log/formatter';
import type { Fields } from '../config/fields';
import { appendHeader, type HeaderMap } from '../http/header-map';
import type { StreamInfo } from '../http/stream-info';

type AppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

const ACTIONS: readonly AppendAction[] = [
  'APPEND_IF_EXISTS_OR_ADD',
  'ADD_IF_ABSENT',
  'OVERWRITE_IF_EXISTS_OR_ADD',
  'OVERWRITE_IF_EXISTS',
];

interface Addition {
  readonly name: string;
  readonly value: Formatter;
  readonly action: AppendAction;
  readonly keepEmpty: boolean;
}

export interface HeaderMutation {
  readonly empty: boolean;
  apply(headers: HeaderMap, info: StreamInfo): void;
}

export const NO_MUTATION: HeaderMutation = { empty: true, apply() {} };

function parseAddition(f: Fields): Addition {
  const header = f.object('header');
  if (!header) f.fail('header', 'is required');
  const name = header.requiredString('key').toLowerCase();
  const raw = header.string('value', '');
  header.done(['raw_value']);
  let action = f.enumOf('append_action', ACTIONS, 'APPEND_IF_EXISTS_OR_ADD');
  if (f.has('append')) action = f.bool('append') ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  const keepEmpty = f.bool('keep_empty_value');
  f.done();
  let value: Formatter;
  try {
    value = new Formatter(raw, false);
  } catch (e) {
    if (e instanceof FormatError) header.fail('value', e.message);
    throw e;
  }
  return { name, value, action, keepEmpty };
}

export function parseHeaderMutation(adds: Fields[], removes: string[]): HeaderMutation {
  const additions = adds.map(parseAddition);
  const removals = removes.map((n) => n.toLowerCase());
  if (additions.length === 0 && removals.length === 0) return NO_MUTATION;
  return {
    empty: false,
    apply(headers, info) {
      for (const n of removals) delete headers[n];
      for (const a of additions) {
        const v = a.value.isConstant ? a.value.constant : a.value.format1(info);
        if (v === '' && !a.keepEmpty) continue;
        const exists = headers[a.name] !== undefined;
        switch (a.action) {
          case 'APPEND_IF_EXISTS_OR_ADD':
            appendHeader(headers, a.name, v);
            break;
          case 'ADD_IF_ABSENT':
            if (!exists) headers[a.name] = v;
            break;
          case 'OVERWRITE_IF_EXISTS_OR_ADD':
            headers[a.name] = v;
            break;
          case 'OVERWRITE_IF_EXISTS':
            if (exists) headers[a.name] = v;
            break;
        }
      }
    },
  };
}

/** Applies mutations in order (most specific first, so the outer ones win, as Envoy's default). */
export function applyAll(mutations: readonly HeaderMutation[], headers: HeaderMap, info: StreamInfo): void {
  for (const m of mutations) if (!m.empty) m.apply(headers, info);
}
