/**
 * Reads App Mesh API JSON in the forms people keep it: `aws appmesh describe-*` output
 * (`{ "virtualNode": { meshName, virtualNodeName, spec, metadata, status } }`), a
 * `create-*`/`update-* --cli-input-json` input (`{ meshName, virtualRouterName, routeName,
 * spec }`), a bare spec (kind from its shape, name from the file name), or a list of these.
 */
import { basename, dirname } from 'node:path';
import type { PathSegment } from '../model/problem';
import type { Document } from './document';
import { DETECTION_ORDER, KINDS, RESOURCE_KINDS, type ResourceKind } from './kinds';
import type { ImportReport } from './report';
import { apiSource, specFileSource } from './source';
import { kindHint, specKinds } from './spec-kind';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

const LIST_KEYS = [
  'meshes',
  'virtualNodes',
  'virtualServices',
  'virtualRouters',
  'routes',
  'virtualGateways',
  'gatewayRoutes',
];

/** `catalog-v1.json` → `catalog-v1`. */
export function nameFromFile(file: string): string {
  return basename(file).replace(/\.(json|ya?ml)$/i, '');
}

function readOne(value: unknown, file: string, prefix: PathSegment[], report: ImportReport): Document[] {
  const where = apiSource(file, prefix);
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => readOne(v, file, [...prefix, i], report));
  }
  if (!isObject(value)) {
    report.error(
      where,
      [],
      `expected an App Mesh resource (a JSON object), got ${value === null ? 'null' : typeof value}`,
    );
    return [];
  }
  const keys = Object.keys(value);

  // describe-* output: one key naming the kind, holding the resource.
  if (keys.length === 1 && (RESOURCE_KINDS as string[]).includes(keys[0]) && isObject(value[keys[0]])) {
    const kind = keys[0] as ResourceKind;
    return [{ kind, candidates: [kind], value: value[kind] as Json, source: apiSource(file, [...prefix, kind]) }];
  }
  const list = keys.find((k) => LIST_KEYS.includes(k));
  if (list && Array.isArray(value[list])) {
    report.error(where, [list], `a list-* output names resources but holds no specs; save describe-* output instead`);
    return [];
  }

  // create-*/update-* input: the most specific name field says the kind.
  const kind = DETECTION_ORDER.find((k) => KINDS[k].nameKey in value);
  if (kind) return [{ kind, candidates: [kind], value, source: where }];

  // A bare spec, at the root or under `spec`: the names were given on the command line.
  const spec = keys.length === 1 && keys[0] === 'spec' && isObject(value.spec) ? value.spec : value;
  const specPrefix = spec === value ? prefix : [...prefix, 'spec'];
  const candidates = specKinds(spec);
  if (candidates.length === 0 || keys.length === 0) {
    report.error(
      where,
      [],
      keys.length === 0
        ? 'an empty object: nothing says which App Mesh resource this is'
        : `not App Mesh: expected describe-* output ({ "virtualNode": {...} }), a create-*/update-* --cli-input-json input, a spec, or a CloudFormation template; found fields ${keys.join(', ')}`,
    );
    return [];
  }
  const directory = basename(dirname(file));
  return [
    {
      kind: candidates.length === 1 ? candidates[0] : undefined,
      candidates,
      value: { spec },
      source: specFileSource(file, specPrefix),
      specOnly: { hintKind: kindHint(nameFromFile(file)) ?? kindHint(directory), directory },
    },
  ];
}

export function readApiJson(value: unknown, file: string, report: ImportReport): Document[] {
  return readOne(value, file, [], report);
}
