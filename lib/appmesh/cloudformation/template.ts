/**
 * Reads the `AWS::AppMesh::*` resources of a CloudFormation template (hand-written, or
 * synthesized by an aws-cdk app using `aws-appmesh`) into documents in the API's shape.
 * Intrinsic functions are evaluated first; resources switched off by a condition are left
 * out; resources of other types are counted in one line.
 */
import { formatPath, type PathSegment } from '../../model/problem';
import type { Document } from '../document';
import { KINDS, RESOURCE_KINDS, type ResourceKind } from '../kinds';
import type { ImportReport } from '../report';
import type { Source } from '../source';
import { evaluateCondition } from './conditions';
import { resolve } from './intrinsics';
import { cfnName, toApiShape } from './property-names';
import { NO_VALUE, TemplateContext, Unresolved } from './template-context';

const KIND_OF_TYPE = new Map<string, ResourceKind>(RESOURCE_KINDS.map((k) => [KINDS[k].cfnType, k]));

export function isTemplate(value: unknown): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    ('Resources' in value || 'AWSTemplateFormatVersion' in value)
  );
}

function cfnSource(file: string, logicalId: string): Source {
  const raw = (path: readonly PathSegment[]): PathSegment[] => [
    'Resources',
    logicalId,
    'Properties',
    ...path.map((s) => (typeof s === 'string' ? cfnName(s) : s)),
  ];
  return { file, at: (path) => formatPath(raw(path)), raw, spell: cfnName };
}

/** Placeholders become their `${Name}` text once nothing more can be computed. */
function finalize(value: unknown): unknown {
  if (value instanceof Unresolved) return value.text;
  if (Array.isArray(value)) return value.map(finalize);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, finalize(v)]));
}

export function readTemplate(
  template: Record<string, unknown>,
  file: string,
  given: Readonly<Record<string, string>>,
  report: ImportReport,
): Document[] {
  const ctx = new TemplateContext(file, template, given, report);
  const docs: Document[] = [];
  const others = new Map<string, number>();
  let appMesh = 0;
  for (const [id, r] of Object.entries(ctx.resources)) {
    if (!r || typeof r !== 'object' || typeof r.Type !== 'string') {
      ctx.error(['Resources', id, 'Type'], 'every resource needs a Type');
      continue;
    }
    if (!r.Type.startsWith('AWS::AppMesh::')) {
      others.set(r.Type, (others.get(r.Type) ?? 0) + 1);
      continue;
    }
    appMesh++;
    const kind = KIND_OF_TYPE.get(r.Type);
    if (!kind) {
      ctx.error(['Resources', id, 'Type'], `${r.Type} is not an App Mesh resource type`);
      continue;
    }
    if (typeof r.Condition === 'string') {
      const on = evaluateCondition(r.Condition, ctx);
      if (on === false) {
        ctx.note(['Resources', id, 'Condition'], `condition ${r.Condition} is false, so ${id} is not imported`);
        continue;
      }
      if (on === undefined) {
        ctx.note(['Resources', id, 'Condition'], `condition ${r.Condition} cannot be decided here; ${id} is imported`);
      }
    }
    const props = resolve(r.Properties ?? {}, ctx, ['Resources', id, 'Properties']);
    if (props === NO_VALUE || props === null || typeof props !== 'object' || Array.isArray(props)) {
      ctx.error(['Resources', id, 'Properties'], 'expected the resource properties (a mapping)');
      continue;
    }
    const value = toApiShape(finalize(props)) as Record<string, unknown>;
    const nameKey = KINDS[kind].nameKey;
    const source = cfnSource(file, id);
    if (value[nameKey] === undefined) {
      // CloudFormation would generate a name; the logical ID is the one the template knows it by.
      value[nameKey] = id;
      report.inferred(source, [], `${cfnName(nameKey)} is not set; named '${id}' after the logical ID`);
    }
    docs.push({ kind, candidates: [kind], value, source });
  }
  if (others.size > 0) {
    const list = [...others.entries()].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(', ');
    report.add('inferred', file, 'Resources', `not App Mesh, left to other tools: ${list}`, ['Resources']);
  }
  if (appMesh === 0) {
    report.add('error', file, 'Resources', 'the template has no AWS::AppMesh::* resources', ['Resources']);
  }
  return docs;
}
