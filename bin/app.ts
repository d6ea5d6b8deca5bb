/**
 * The example CDK app (`cdk.json` runs it): the shop mesh on Fargate. Environment-agnostic, so
 * `npx cdk synth` needs no credentials; `npx cdk deploy` deploys it to the account and region of
 * your AWS credentials. cdk-nag's AwsSolutions checks run on every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ShopStack } from '../examples/cdk/shop-stack';

const app = new App();
new ShopStack(app, 'TrellisShop', {
  description: 'Trellis example: the shop mesh on Amazon ECS (Fargate) with a serverless control plane',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
