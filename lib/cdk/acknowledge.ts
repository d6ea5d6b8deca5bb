/**
 * Acknowledging a cdk-nag AwsSolutions finding where a construct makes a deliberate choice,
 * with the reason beside it (CDK's `Validations` API, which cdk-nag v3 reads). The constructs do
 * not import cdk-nag: users who do not run it pay nothing.
 */
import { CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/** `rule` as cdk-nag names it: `AwsSolutions-SQS3`, `AwsSolutions-IAM5[Resource::*]`. */
export function acknowledgeAwsSolutions(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}

/**
 * How cdk-nag names a wildcard object ARN of a bucket in IAM5 findings: `<BucketLogicalId.Arn>/<suffix>`
 * for a bucket of this app, the ARN itself for an imported one; `undefined` when it cannot tell.
 */
export function bucketObjectsFinding(bucket: s3.IBucket, suffix: string): string | undefined {
  const child = bucket.node.defaultChild;
  if (child instanceof CfnElement) return `Resource::<${Stack.of(child).getLogicalId(child)}.Arn>/${suffix}`;
  return Token.isUnresolved(bucket.bucketArn) ? undefined : `Resource::${bucket.bucketArn}/${suffix}`;
}
