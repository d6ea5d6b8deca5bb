/**
 * The compile controller of an mTLS mesh whose certificates come from AWS Private CA: the
 * handler as Lambda runs it (runtime from its environment), with S3, Cloud Map and Private CA
 * mocked at the SDK — Private CA by a fake that really signs. Each proxy's snapshot must carry
 * its own certificate and key inline as the `identity` Secret, and the CA as `trust-bundle`.
 */
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACMPCAServiceException } from '@aws-sdk/client-acm-pca';
import * as x509 from '@peculiar/x509';
import { createHandler } from '../../lambdas/compile/index';
import { CONTROLLER_ENV, DEPLOYMENT_PROPERTIES } from '../../lib/aws/controller-environment';
import type { IssuedIdentity } from '../../lib/aws/private-ca-issuer';
import { IDENTITY_SECRET, TRUST_BUNDLE_SECRET } from '../../lib/compiler/names';
import type { Snapshot } from '../../lib/compiler/snapshot';
import { validateSnapshot } from '../../lib/compiler/validate-snapshot';
import type { MeshSpec } from '../../lib/model/mesh';
import { identityKey, pointerKey } from '../../lib/snapshot-store/keys';
import type { SnapshotPointer } from '../../lib/snapshot-store/pointer';
import { captureStdout, type EmfMetric, parseEmf } from '../support/emf';
import { FakeCloudMap } from '../support/fake-cloud-map';
import { CA_ARN, FakePrivateCa } from '../support/fake-private-ca';
import { FakeS3Bucket } from '../support/fake-s3-bucket';
import { customResourceEvent, scheduledEvent } from './controller-events';
import { SHOP, SHOP_PROXIES } from './mesh-fixtures';

const BUCKET = 'trellisshop-meshsnapshots-9z8y7x6w5v4u';
const NAMESPACE = 'shop.local';
const HOUR = 3_600_000;

/** SHOP in strict mTLS, each version its own Cloud Map service, as the `Mesh` construct deploys it. */
const SPEC: MeshSpec = {
  ...SHOP,
  mtls: { mode: 'strict' },
  services: Object.fromEntries(
    Object.entries(SHOP.services).map(([name, s]) => [
      name,
      {
        ...s,
        versions: Object.fromEntries(
          Object.entries(s.versions).map(([v, version]) => [
            v,
            { ...version, discovery: { cloudMap: { namespace: NAMESPACE, service: `${name}-${v}`, attributes: {} } } },
          ]),
        ),
      },
    ]),
  ),
};

let bucket: FakeS3Bucket;
let cloudMap: FakeCloudMap;
let ca: FakePrivateCa;
let server: Server;
let responseUrl: string;
const responses: Record<string, unknown>[] = [];
const handler = createHandler();
const saved = { ...process.env };

beforeAll(async () => {
  process.env[CONTROLLER_ENV.bucket] = BUCKET;
  process.env[CONTROLLER_ENV.mesh] = 'shop';
  process.env[CONTROLLER_ENV.certificateAuthorityArn] = CA_ARN;
  process.env[CONTROLLER_ENV.certificateValidityHours] = '24';
  bucket = new FakeS3Bucket(BUCKET);
  cloudMap = new FakeCloudMap();
  ca = await FakePrivateCa.create('shop');
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=abc`;
  let n = 10;
  for (const [service, version, port] of [
    ['catalog', 'v1', 3000],
    ['catalog', 'v2', 3000],
    ['frontend', 'v1', 8080],
    ['reviews', 'v1', 3000],
  ] as const) {
    cloudMap.registerTask(NAMESPACE, `${service}-${version}`, {
      id: `task-${n}`,
      ip: `10.0.0.${n++}`,
      port,
      family: `shop-${service}-${version}`,
    });
  }
});

afterAll(async () => {
  bucket.restore();
  cloudMap.restore();
  ca.restore();
  process.env = saved;
  await new Promise((r) => server.close(r));
});

async function invoke(event: unknown): Promise<{ error?: Error; metrics: EmfMetric[] }> {
  const out = captureStdout();
  try {
    await handler(event);
    return { metrics: parseEmf(out.text()) };
  } catch (e) {
    return { error: e as Error, metrics: parseEmf(out.text()) };
  } finally {
    out.restore();
  }
}

function snapshot(proxy: string): Snapshot {
  return bucket.json((bucket.json(pointerKey(proxy)) as SnapshotPointer).key) as Snapshot;
}

interface SecretJson {
  name: string;
  tls_certificate?: { certificate_chain: { inline_string: string }; private_key: { inline_string: string } };
  validation_context?: { trusted_ca: { inline_string: string } };
}

function secret(s: Snapshot, name: string): SecretJson {
  const found = (s.resources.secrets as unknown as SecretJson[]).find((r) => r.name === name);
  if (!found) throw new Error(`no secret ${name}`);
  return found;
}

function stored(proxy: string): IssuedIdentity {
  return bucket.json(identityKey(proxy)) as IssuedIdentity;
}

function uriSans(pem: string): string[] {
  const leaf = new x509.X509Certificate(pem);
  return (leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [])
    .filter((n) => n.type === 'url')
    .map((n) => n.value);
}

/** Makes the stored certificate of `proxy` look issued `hoursAgo` hours ago, 24 hours long. */
function age(proxy: string, hoursAgo: number): void {
  const id = stored(proxy);
  const notBefore = Date.now() - hoursAgo * HOUR;
  const aged = {
    ...id,
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notBefore + 24 * HOUR).toISOString(),
  };
  bucket.put(identityKey(proxy), JSON.stringify(aged));
}

const deploy = () =>
  customResourceEvent('Create', responseUrl, { [DEPLOYMENT_PROPERTIES.definition]: JSON.stringify(SPEC) });

test('a deploy issues each proxy its certificate and compiles it into its snapshot as SDS Secrets', async () => {
  const { error } = await invoke(deploy());
  expect(error).toBeUndefined();
  expect(responses.at(-1)).toMatchObject({ Status: 'SUCCESS', Data: { Proxies: 5, Published: 5 } });
  expect(ca.requests).toHaveLength(SHOP_PROXIES.length);

  for (const proxy of SHOP_PROXIES) {
    const s = snapshot(proxy);
    expect(validateSnapshot(s)).toEqual([]);
    const identity = secret(s, IDENTITY_SECRET).tls_certificate!;
    // The very certificate and key the controller was issued and keeps for renewal.
    expect(identity.certificate_chain.inline_string).toBe(stored(proxy).certificateChain);
    expect(identity.private_key.inline_string).toBe(stored(proxy).privateKey);
    expect(stored(proxy).certificateArn).toMatch(new RegExp(`^${CA_ARN}/certificate/`));
    // `spiffe://shop/catalog/v1` for a sidecar, `spiffe://shop/ingress` for the gateway.
    expect(uriSans(identity.certificate_chain.inline_string)).toEqual([`spiffe://shop/${proxy}`]);
    expect(secret(s, TRUST_BUNDLE_SECRET).validation_context!.trusted_ca.inline_string.trim()).toBe(
      ca.ca.certPem.trim(),
    );
  }
  // No proxy's snapshot holds another proxy's key.
  const catalogKey = stored('catalog/v1').privateKey;
  for (const proxy of SHOP_PROXIES.filter((p) => p !== 'catalog/v1')) {
    expect(JSON.stringify(snapshot(proxy))).not.toContain(catalogKey.split('\n')[1]);
  }
});

test('the scheduled resync reuses the certificates: nothing issued, nothing written', async () => {
  const requests = ca.requests.length;
  const writes = bucket.writes.length;
  const { error } = await invoke(scheduledEvent());
  expect(error).toBeUndefined();
  expect(ca.requests.length).toBe(requests);
  expect(bucket.writes.length).toBe(writes);
});

test('a certificate past two thirds of its life is renewed and published as a new snapshot version', async () => {
  const before = snapshot('reviews/v1');
  age('reviews/v1', 17);
  const requests = ca.requests.length;
  const { error } = await invoke(scheduledEvent());
  expect(error).toBeUndefined();
  expect(ca.requests.length).toBe(requests + 1);
  expect(ca.requests.at(-1)?.ApiPassthrough?.Extensions?.SubjectAlternativeNames).toEqual([
    { UniformResourceIdentifier: 'spiffe://shop/reviews/v1' },
  ]);
  const after = snapshot('reviews/v1');
  expect(after.version).not.toBe(before.version);
  const chain = secret(after, IDENTITY_SECRET).tls_certificate!.certificate_chain.inline_string;
  expect(chain).toBe(stored('reviews/v1').certificateChain);
  expect(chain).not.toBe(secret(before, IDENTITY_SECRET).tls_certificate!.certificate_chain.inline_string);
  expect((bucket.json(pointerKey('reviews/v1')) as SnapshotPointer).sequence).toBe(2);
  // The others kept theirs.
  expect((bucket.json(pointerKey('catalog/v1')) as SnapshotPointer).sequence).toBe(1);
});

test('a Private CA failure fails the run (Lambda retries, then the dead-letter queue) and publishes nothing', async () => {
  age('catalog/v2', 20);
  ca.issueFailure = new ACMPCAServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    message: 'not authorized to perform acm-pca:IssueCertificate',
    $metadata: { httpStatusCode: 400 },
  });
  try {
    const writes = bucket.writes.length;
    const { error, metrics } = await invoke(scheduledEvent());
    expect(error?.message).toBe(
      'certificates failed: certificate for spiffe://shop/catalog/v2: IssueCertificate failed: AccessDeniedException: not authorized to perform acm-pca:IssueCertificate',
    );
    expect(metrics.find((m) => m.name === 'CompileErrors')?.value).toBe(1);
    expect(bucket.writes.length).toBe(writes);

    // A deploy is answered FAILED with the same reason, so `cdk deploy` shows it.
    await invoke(deploy());
    expect(responses.at(-1)).toMatchObject({ Status: 'FAILED' });
    expect(responses.at(-1)?.Reason).toMatch(/^certificates failed: certificate for spiffe:\/\/shop\/catalog\/v2: /);
  } finally {
    ca.issueFailure = undefined;
  }
});
