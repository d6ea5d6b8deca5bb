/**
 * Reading synthesized CloudFormation in tests: intrinsic-joined strings as text (references as
 * `${LogicalId}`, `${LogicalId.Attr}`, `${AWS::Region}`), and a role's policy statements.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

export type Cfn = Record<string, unknown>;

/** A CloudFormation value as text: `Fn::Join`, `Ref` and `Fn::GetAtt` become placeholders. */
export function cfnText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const o = v as Cfn;
  if (o && 'Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(cfnText).join(sep);
  }
  if (o && 'Ref' in o) return `\${${o.Ref}}`;
  if (o && 'Fn::GetAtt' in o) return `\${${(o['Fn::GetAtt'] as string[]).join('.')}}`;
  throw new Error(`cannot read ${JSON.stringify(v)} as text`);
}

export function logicalId(c: IConstruct): string {
  const el = (c.node.defaultChild ?? c) as CfnElement;
  return Stack.of(c).getLogicalId(el);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Cfn;
}

/** Every statement of every AWS::IAM::Policy attached to the role. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, { Properties: Cfn }>;
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as Cfn[]).some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement): string[] =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(cfnText);
