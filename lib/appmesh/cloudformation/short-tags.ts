/**
 * CloudFormation's short intrinsic forms for the `yaml` parser: `!Ref X` reads as
 * `{ Ref: X }`, `!GetAtt A.B` as `{ 'Fn::GetAtt': ['A', 'B'] }`, `!Sub`, `!If`, `!Join`…
 * as their `Fn::` long forms, so the rest of the importer sees one form only.
 */
import type { CollectionTag, ScalarTag, YAMLMap, YAMLSeq } from 'yaml';

const FUNCTIONS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
  'And',
  'Equals',
  'Not',
  'Or',
];

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    // `!GetAtt Resource.Attribute`; attribute names may themselves contain dots.
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function tagsFor(name: string): (ScalarTag | CollectionTag)[] {
  const tag = `!${name}`;
  return [
    { tag, resolve: (value: string) => longForm(name, value) },
    {
      tag,
      collection: 'seq',
      resolve: (seq: YAMLSeq.Parsed | YAMLMap.Parsed) => longForm(name, seq.toJSON()) as never,
    },
    {
      tag,
      collection: 'map',
      resolve: (map: YAMLSeq.Parsed | YAMLMap.Parsed) => longForm(name, map.toJSON()) as never,
    },
  ] as (ScalarTag | CollectionTag)[];
}

export const CLOUDFORMATION_TAGS: (ScalarTag | CollectionTag)[] = ['Ref', 'Condition', 'GetAtt', ...FUNCTIONS].flatMap(
  tagsFor,
);
