/**
 * cdk-nag's AwsSolutions pack over the example app and a mesh with every default: no finding
 * left (also with certificates from AWS Private CA), and every acknowledged one carries its reason (in the validation report CDK writes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ShopStack } from '../../examples/cdk/shop-stack';
import { Mesh, MeshDefinition, ProxyImage } from '../../lib/cdk';
import { removeTempDirs, tempDir } from '../support/temp-dir';

interface Report {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
    suppressedViolations: { ruleName: string; acknowledgedId: string; reason: string; acknowledgedAt: string }[];
  }[];
}

let report: Report;

beforeAll(() => {
  // GIVEN the example app and a bare mesh, with the AwsSolutions pack as a validation plugin
  const outdir = tempDir('trellis-nag-');
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  new ShopStack(app, 'Shop', {
    proxyImage: ProxyImage.fromContainerImage(ecs.ContainerImage.fromRegistry('registry.example/trellis-proxy:test')),
  });
  const bare = new Stack(app, 'Bare');
  new Mesh(bare, 'Mesh', { meshName: 'bare' });
  // A mesh whose proxies' certificates come from AWS Private CA adds the controller's CA grants.
  const secure = new Stack(app, 'Secure');
  new Mesh(secure, 'Mesh', {
    definition: MeshDefinition.fromSpec({ name: 'secure', mtls: { mode: 'strict' }, services: {} }),
    certificateAuthority:
      'arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // WHEN it synthesizes (a violation would throw here)
  app.synth();
  report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
  // A synthesis takes seconds, more on a loaded machine.
}, 180_000);

afterAll(removeTempDirs);

test('AwsSolutions reports no violation', () => {
  const [aws] = report.pluginReports.filter((r) => r.pluginName === 'AwsSolutions');
  expect(aws.violations.map((v) => `${v.ruleName} at ${v.violatingConstructs[0].constructPath}`)).toEqual([]);
  expect(aws.conclusion).toBe('success');
});

test('every acknowledged finding carries its reason', () => {
  const [aws] = report.pluginReports.filter((r) => r.pluginName === 'AwsSolutions');
  expect(aws.suppressedViolations.length).toBeGreaterThan(0);
  for (const s of aws.suppressedViolations) expect(s.reason.length).toBeGreaterThan(30);
  // Only the choices the constructs document are acknowledged.
  expect([...new Set(aws.suppressedViolations.map((s) => s.ruleName.replace(/\[.*/, '')))].sort()).toEqual([
    'AwsSolutions-EC23',
    'AwsSolutions-ECS2',
    'AwsSolutions-ELB2',
    'AwsSolutions-IAM5',
    'AwsSolutions-S1',
    'AwsSolutions-SQS3',
  ]);
});
