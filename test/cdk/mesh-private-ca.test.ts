/**
 * `Mesh` with `certificateAuthority`: the controller's IAM (issue from that CA only, with the
 * passthrough template only; read certificates and the CA's; keep keys under identities/), its
 * environment, a proxy role that cannot read the keys, the MeshProxy warning only without a CA,
 * and the synth-time checks on the options.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CONTROLLER_ENV } from '../../lib/aws/controller-environment';
import { Mesh, MeshDefinition, type MeshProps, MeshProxy, ProxyImage } from '../../lib/cdk';
import type { MeshSpec } from '../../lib/cdk/shared-interfaces';
import { removeTempDirs, tempDir } from '../support/temp-dir';
import { actionsOf, type Cfn, cfnText, logicalId, resourcesOf, statementsOfRole } from './template-values';

const CA = 'arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const IMAGE = ProxyImage.fromContainerImage(ecs.ContainerImage.fromRegistry('registry.example/trellis-proxy:test'));

function spec(mode: 'strict' | 'permissive' | 'disabled'): MeshSpec {
  return {
    name: 'secure',
    mtls: { mode },
    services: { api: { versions: { v1: { listeners: [{ port: 3000, protocol: 'http' }] } } } },
  };
}

function newStack(): Stack {
  const app = new App({ outdir: tempDir('trellis-pca-'), context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test');
}

interface Deployed {
  stack: Stack;
  mesh: Mesh;
  task: ecs.FargateTaskDefinition;
  template: Template;
}

function deploy(props: Partial<MeshProps>, mode: 'strict' | 'permissive' | 'disabled' = 'strict'): Deployed {
  const stack = newStack();
  const mesh = new Mesh(stack, 'Mesh', { definition: MeshDefinition.fromSpec(spec(mode)), ...props });
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  new MeshProxy(stack, 'Proxy', { mesh, taskDefinition: task, proxy: mesh.serviceVersion('api', 'v1'), image: IMAGE });
  return { stack, mesh, task, template: Template.fromStack(stack) };
}

function controllerEnv(d: Deployed): Record<string, unknown> {
  const fns = d.template.findResources('AWS::Lambda::Function') as Record<string, { Properties: Cfn }>;
  const fn = fns[logicalId(d.mesh.controller.function)];
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

afterAll(removeTempDirs);

describe('with an AWS Private CA', () => {
  let d: Deployed;
  beforeAll(() => {
    d = deploy({ certificateAuthority: CA, certificateValidity: Duration.hours(12) });
  });

  test('the controller may issue from that CA only, and only with the APIPassthrough end-entity template', () => {
    const statements = statementsOfRole(d.template, logicalId(d.mesh.controller.function.role!));
    const issue = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('acm-pca:Issue')));
    expect(issue).toHaveLength(1);
    expect(actionsOf(issue[0])).toEqual(['acm-pca:IssueCertificate']);
    expect(resourcesOf(issue[0])).toEqual([CA]);
    const condition = issue[0].Condition as { StringEquals: Record<string, unknown> };
    expect(Object.keys(condition.StringEquals)).toEqual(['acm-pca:TemplateArn']);
    // In the stack's partition (cfnText reads the Ref as `${AWS::Partition}`).
    expect(cfnText(condition.StringEquals['acm-pca:TemplateArn'])).toBe(
      `arn:\${AWS::Partition}:acm-pca:::template/EndEntityCertificate_APIPassthrough/V1`,
    );

    const read = statements.filter((s) => actionsOf(s).includes('acm-pca:GetCertificate'));
    expect(read).toHaveLength(1);
    expect(actionsOf(read[0]).sort()).toEqual(['acm-pca:GetCertificate', 'acm-pca:GetCertificateAuthorityCertificate']);
    expect(resourcesOf(read[0])).toEqual([CA]);
    expect(read[0].Condition).toBeUndefined();
    // No other Private CA action, and none on another resource.
    const all = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('acm-pca:')));
    expect(all.flatMap(actionsOf).sort()).toEqual([
      'acm-pca:GetCertificate',
      'acm-pca:GetCertificateAuthorityCertificate',
      'acm-pca:IssueCertificate',
    ]);
  });

  test('the controller keeps keys under identities/, and the proxy may not read them', () => {
    const bucket = logicalId(d.mesh.bucket);
    const controller = statementsOfRole(d.template, logicalId(d.mesh.controller.function.role!));
    const identities = controller.filter((s) => resourcesOf(s).some((r) => r.includes('/identities/')));
    expect(identities).toHaveLength(1);
    expect(actionsOf(identities[0]).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(resourcesOf(identities[0])).toEqual([`\${${bucket}.Arn}/identities/*`]);

    const proxy = statementsOfRole(d.template, logicalId(d.task.taskRole));
    const s3 = proxy.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(resourcesOf)).toEqual([`\${${bucket}.Arn}/snapshots/sidecars/api/v1/*`]);
    expect(proxy.flatMap(actionsOf).filter((a) => a.startsWith('acm-pca:'))).toEqual([]);
  });

  test('the controller is told the CA and the validity', () => {
    const env = controllerEnv(d);
    expect(env[CONTROLLER_ENV.certificateAuthorityArn]).toBe(CA);
    expect(env[CONTROLLER_ENV.certificateValidityHours]).toBe('12');
  });

  test('MeshProxy does not warn about unprovisioned certificates', () => {
    Annotations.fromStack(d.stack).hasNoWarning('*', Match.stringLikeRegexp('uses mTLS'));
  });
});

test('a CA construct works like its ARN', () => {
  const stack = newStack();
  const ca = acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA);
  const mesh = new Mesh(stack, 'Mesh', {
    definition: MeshDefinition.fromSpec(spec('permissive')),
    certificateAuthority: ca,
  });
  expect(mesh.certificateAuthorityArn).toBe(CA);
  const statements = statementsOfRole(Template.fromStack(stack), logicalId(mesh.controller.function.role!));
  const issue = statements.find((s) => actionsOf(s).includes('acm-pca:IssueCertificate'))!;
  expect(resourcesOf(issue)).toEqual([CA]);
  const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, { Properties: Cfn }>;
  const env = (fns[logicalId(mesh.controller.function)].Properties.Environment as { Variables: Cfn }).Variables;
  // The default lifetime: a day.
  expect(env[CONTROLLER_ENV.certificateValidityHours]).toBe('24');
});

test('without a CA: no Private CA permission, no identities/ access, and MeshProxy warns', () => {
  const d = deploy({});
  const statements = statementsOfRole(d.template, logicalId(d.mesh.controller.function.role!));
  expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('acm-pca:'))).toEqual([]);
  expect(statements.flatMap(resourcesOf).filter((r) => r.includes('identities/'))).toEqual([]);
  expect(controllerEnv(d)[CONTROLLER_ENV.certificateAuthorityArn]).toBeUndefined();
  Annotations.fromStack(d.stack).hasWarning(
    '/Test/Proxy',
    Match.stringLikeRegexp('uses mTLS \\(strict\\) with no certificateAuthority'),
  );
});

test('a CA on a mesh whose mTLS is disabled is a warning, and the proxy has nothing to warn about', () => {
  const d = deploy({ certificateAuthority: CA }, 'disabled');
  Annotations.fromStack(d.stack).hasWarning('/Test/Mesh', Match.stringLikeRegexp('mTLS mode is disabled'));
  Annotations.fromStack(d.stack).hasNoWarning('/Test/Proxy', Match.anyValue());
});

describe('synth-time checks', () => {
  const mesh = (props: Partial<MeshProps>) => () =>
    new Mesh(newStack(), 'Mesh', { definition: MeshDefinition.fromSpec(spec('strict')), ...props });

  test('the CA must be a Private CA ARN', () => {
    expect(mesh({ certificateAuthority: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc' })).toThrow(
      "certificateAuthority must be an AWS Private CA ARN (arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>), got 'arn:aws:acm:eu-west-1:111122223333:certificate/abc'",
    );
  });

  test('the validity is whole hours from one hour to seven days', () => {
    expect(mesh({ certificateAuthority: CA, certificateValidity: Duration.minutes(30) })).toThrow(
      /certificateValidity must be whole hours from 1 hour to 7 days .* got 30 minutes/,
    );
    expect(mesh({ certificateAuthority: CA, certificateValidity: Duration.days(8) })).toThrow(/got 8 days/);
    expect(mesh({ certificateAuthority: CA, certificateValidity: Duration.minutes(90) })).toThrow(/whole hours/);
    expect(mesh({ certificateAuthority: CA, certificateValidity: Duration.days(7) })).not.toThrow();
  });

  test('the third of the lifetime left at renewal must span two resyncs', () => {
    expect(
      mesh({ certificateAuthority: CA, certificateValidity: Duration.hours(1), resyncInterval: Duration.minutes(15) }),
    ).toThrow('certificateValidity 1 hour is too short for resyncInterval 15 minutes');
    expect(
      mesh({ certificateAuthority: CA, certificateValidity: Duration.hours(1), resyncInterval: Duration.minutes(10) }),
    ).not.toThrow();
  });

  test('a validity without a CA is a mistake', () => {
    expect(mesh({ certificateValidity: Duration.hours(12) })).toThrow(
      'certificateValidity applies to certificates from certificateAuthority; give a certificateAuthority',
    );
  });
});
