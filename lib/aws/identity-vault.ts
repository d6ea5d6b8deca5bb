/**
 * Where the controller keeps each proxy's issued certificate and private key between runs: one
 * object per proxy under `identities/` in the snapshot bucket (encrypted at rest like the
 * bucket). Only the controller's role may read that tree; a proxy's grant covers its own
 * `snapshots/` prefix, so it sees its own key (inside its snapshot) and never another's.
 * Kept apart from snapshots because a certificate is paid for when issued and a run that
 * fails after issuing (compile, validation, the deletion guard) publishes no snapshot: the
 * next run must find the certificate here rather than issue another.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { identityKey } from '../snapshot-store/keys';
import type { IssuedIdentity } from './private-ca-issuer';

export interface IdentityVault {
  read(proxy: string): Promise<IssuedIdentity | undefined>;
  write(proxy: string, identity: IssuedIdentity): Promise<void>;
}

export interface S3IdentityVaultOptions {
  readonly client: S3Client;
  readonly bucket: string;
}

export class S3IdentityVault implements IdentityVault {
  constructor(private readonly o: S3IdentityVaultOptions) {}

  async read(proxy: string): Promise<IssuedIdentity | undefined> {
    try {
      const res = await this.o.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: identityKey(proxy) }));
      const parsed = JSON.parse((await res.Body?.transformToString('utf8')) ?? '') as IssuedIdentity;
      // Anything unreadable is treated as absent: the worst outcome is one extra issuance.
      return typeof parsed?.certificateChain === 'string' && typeof parsed.privateKey === 'string' ? parsed : undefined;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return undefined;
      if (e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  async write(proxy: string, identity: IssuedIdentity): Promise<void> {
    await this.o.client.send(
      new PutObjectCommand({
        Bucket: this.o.bucket,
        Key: identityKey(proxy),
        Body: `${JSON.stringify(identity, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    );
  }
}
