/**
 * `npx cdk synth` on the example app (cdk.json → bin/app.ts), as a user runs it: the aws-cdk CLI
 * in a child process, offline, with no AWS credentials, into a temp output directory. The
 * assembly must be environment-agnostic, carry the controller bundled by esbuild (with Envoy's
 * .proto files beside it) and the proxy image asset, and pass cdk-nag.
 */
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChildHandle, spawnChild } from '../support/child-process';
import { REPO_ROOT } from '../support/proxy-bundle';
import { removeTempDirs, tempDir } from '../support/temp-dir';

const CDK = join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');

let out: string;
let synth: { code: number | null };
let child: ChildHandle;

interface Manifest {
  artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile?: string } }>;
}
interface Assets {
  files: Record<string, { source: { path: string; packaging: string } }>;
  dockerImages: Record<
    string,
    { source: { directory: string; dockerBuildArgs?: Record<string, string>; platform?: string } }
  >;
}

beforeAll(async () => {
  out = tempDir('trellis-cdk-out-');
  const home = tempDir('trellis-cdk-home-');
  // No credentials anywhere the SDK would look: synth must not need them.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, CI: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
  child = spawnChild(process.execPath, [CDK, 'synth', '--quiet', '--no-notices', '-o', out], { cwd: REPO_ROOT, env });
  synth = await child.exited;
}, 240_000);

afterAll(removeTempDirs);

test('synthesizes offline without credentials', () => {
  if (synth.code !== 0) throw new Error(`cdk synth exited ${synth.code}:\n${child.stderr()}`);
  expect(synth.code).toBe(0);
});

test('one environment-agnostic stack', () => {
  const manifest: Manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const stacks = Object.values(manifest.artifacts).filter((a) => a.type === 'aws:cloudformation:stack');
  expect(stacks).toHaveLength(1);
  expect(stacks[0].environment).toBe('aws://unknown-account/unknown-region');
});

test('the mesh: five Fargate services, the controller, its triggers and the deploy resource', () => {
  const template = JSON.parse(readFileSync(join(out, 'TrellisShop.template.json'), 'utf8'));
  const count = (type: string) =>
    Object.values(template.Resources as Record<string, { Type: string }>).filter((r) => r.Type === type).length;
  expect(count('AWS::ECS::Service')).toBe(5);
  expect(count('AWS::ServiceDiscovery::Service')).toBe(4);
  expect(count('Custom::TrellisMeshDeployment')).toBe(1);
  expect(count('AWS::Events::Rule')).toBe(2);
  expect(count('AWS::CloudWatch::Dashboard')).toBe(1);
});

test('the controller is bundled by esbuild with Envoy’s .proto files, and the bundle loads', async () => {
  const assets: Assets = JSON.parse(readFileSync(join(out, 'TrellisShop.assets.json'), 'utf8'));
  const bundles = Object.values(assets.files)
    .map((f) => join(out, f.source.path))
    .filter((dir) => existsSync(join(dir, 'index.mjs')));
  expect(bundles).toHaveLength(1);
  const dir = bundles[0];
  expect(readdirSync(join(dir, 'proto')).sort()).toEqual([
    'envoy-api',
    'google',
    'googleapis',
    'protoc-gen-validate',
    'xds',
  ]);
  expect(existsSync(join(dir, 'proto', 'google', 'protobuf', 'descriptor.proto'))).toBe(true);
  // The AWS SDK is the Lambda runtime's: lend it the repository's for this check.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  const load = spawnChild(
    process.execPath,
    ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"],
    { cwd: dir, env: { PATH: process.env.PATH, TRELLIS_ENVOY_PROTO_DIR: join(dir, 'proto') } },
  );
  const { code } = await load.exited;
  expect({ code, out: load.stdout().trim(), err: code ? load.stderr() : '' }).toEqual({
    code: 0,
    out: 'function',
    err: '',
  });
});

test('the .proto files beside the bundle are enough to validate snapshots against Envoy’s schema', async () => {
  const assets: Assets = JSON.parse(readFileSync(join(out, 'TrellisShop.assets.json'), 'utf8'));
  const dir = Object.values(assets.files)
    .map((f) => join(out, f.source.path))
    .find((d) => existsSync(join(d, 'index.mjs')))!;
  // The controller's validation, in a process that may read Envoy's schema only from there.
  const script = join(tempDir('trellis-proto-check-'), 'check.ts');
  writeFileSync(
    script,
    [
      `import { compile } from '${join(REPO_ROOT, 'lib/compiler/compile')}';`,
      `import { validateSnapshot } from '${join(REPO_ROOT, 'lib/compiler/validate-snapshot')}';`,
      `import { envoyIncludeDirs } from '${join(REPO_ROOT, 'lib/envoy/proto-files')}';`,
      `import { validateMesh } from '${join(REPO_ROOT, 'lib/model/validate')}';`,
      `import { SHOP, shopEndpoints } from '${join(REPO_ROOT, 'test/aws/mesh-fixtures')}';`,
      'const { snapshots } = compile(validateMesh(SHOP).model!, shopEndpoints(2));',
      'const problems = Object.values(snapshots).flatMap((s) => validateSnapshot(s));',
      'console.log(JSON.stringify({ dirs: envoyIncludeDirs(), proxies: Object.keys(snapshots).length, problems }));',
    ].join('\n'),
  );
  const check = spawnChild(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, TRELLIS_ENVOY_PROTO_DIR: join(dir, 'proto') },
  });
  const { code } = await check.exited;
  if (code !== 0) throw new Error(check.stderr());
  const result = JSON.parse(check.stdout().trim().split('\n').at(-1)!);
  expect(result.dirs.every((d: string) => d.startsWith(join(dir, 'proto')))).toBe(true);
  expect(result.proxies).toBe(5);
  expect(result.problems).toEqual([]);
});

test('the proxy image is an asset built from proxy-image/', () => {
  const assets: Assets = JSON.parse(readFileSync(join(out, 'TrellisShop.assets.json'), 'utf8'));
  const images = Object.values(assets.dockerImages);
  expect(images).toHaveLength(1);
  expect(readdirSync(join(out, images[0].source.directory))).toEqual(expect.arrayContaining(['Dockerfile']));
  // Docker builds it on Node's official image, for Fargate's default (x86_64) platform.
  expect(images[0].source.dockerBuildArgs).toEqual({
    BASE_IMAGE: 'public.ecr.aws/docker/library/node:20-bookworm-slim',
  });
  expect(images[0].source.platform).toBe('linux/amd64');
});

test('cdk-nag ran and found nothing unacknowledged', () => {
  const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
  const aws = report.pluginReports.find((r: { pluginName: string }) => r.pluginName === 'AwsSolutions');
  expect(aws.conclusion).toBe('success');
  expect(aws.violations).toEqual([]);
});
