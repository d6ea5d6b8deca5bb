/**
 * The deploy trigger: a CloudFormation custom resource served by the compile controller
 * itself (no provider framework: the handler answers CloudFormation, lambdas/compile/cfn-response.ts).
 * Its properties carry the whole mesh definition, so every change to the mesh updates the
 * resource and recompiles during `cdk deploy`; a definition that cannot publish fails the deploy.
 */
import { CustomResource, Lazy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DEPLOYMENT_PROPERTIES } from '../aws/controller-environment';
import type { MeshSpec } from './shared-interfaces';

export interface MeshDeploymentProps {
  readonly controller: lambda.IFunction;
  /** Read at synthesis, after every service was added. */
  readonly definition: () => MeshSpec;
  /** @default false */
  readonly allowDestructiveUpdates?: boolean;
}

export class MeshDeployment extends Construct {
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: MeshDeploymentProps) {
    super(scope, id);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.controller.functionArn,
      resourceType: 'Custom::TrellisMeshDeployment',
      properties: {
        // JSON text keeps numbers numbers (CloudFormation would turn them into strings);
        // toJsonString resolves tokens such as an imported namespace's name.
        [DEPLOYMENT_PROPERTIES.definition]: Lazy.string({
          produce: () => Stack.of(this).toJsonString(props.definition()),
        }),
        [DEPLOYMENT_PROPERTIES.allowDestructiveUpdates]: String(props.allowDestructiveUpdates ?? false),
      },
    });
  }
}
