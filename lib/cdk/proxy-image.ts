/**
 * Which image the proxy runs: by default the one built from `proxy-image/` (its Dockerfile;
 * `npm run build` must have written `proxy-image/dist/` first), or any image holding the same
 * entry point (a registry copy, for pipelines that build once).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

export const PROXY_IMAGE_DIR = join(__dirname, '..', '..', 'proxy-image');

/**
 * The Node.js base `cdk deploy` builds on. The Dockerfile's own default is a base assembled
 * locally with buildah (scripts/proxy-base-image.ts), which Docker does not see.
 */
export const DEFAULT_PROXY_BASE_IMAGE = 'public.ecr.aws/docker/library/node:20-bookworm-slim';

export interface ProxyImageAssetOptions {
  /** @default - the repository's `proxy-image/` */
  readonly directory?: string;
  /** Docker build arguments. @default { BASE_IMAGE: DEFAULT_PROXY_BASE_IMAGE } */
  readonly buildArgs?: Record<string, string>;
  /** Must match the task definition's CPU architecture. @default Platform.LINUX_AMD64 */
  readonly platform?: Platform;
}

export abstract class ProxyImage {
  /** Built from the proxy's Dockerfile during `cdk deploy` (`ContainerImage.fromAsset`). */
  public static fromAsset(options: ProxyImageAssetOptions = {}): ProxyImage {
    return new AssetProxyImage(options);
  }

  /** An image already pushed somewhere, e.g. `ProxyImage.fromContainerImage(ecs.ContainerImage.fromEcrRepository(repo, tag))`. */
  public static fromContainerImage(image: ecs.ContainerImage): ProxyImage {
    return new (class extends ProxyImage {
      public bind(): ecs.ContainerImage {
        return image;
      }
    })();
  }

  public abstract bind(scope: Construct): ecs.ContainerImage;
}

class AssetProxyImage extends ProxyImage {
  constructor(private readonly o: ProxyImageAssetOptions) {
    super();
  }

  public bind(scope: Construct): ecs.ContainerImage {
    const directory = this.o.directory ?? PROXY_IMAGE_DIR;
    if (!existsSync(join(directory, 'Dockerfile'))) {
      throw new Error(`proxy image: no Dockerfile in ${directory}`);
    }
    if (!existsSync(join(directory, 'dist', 'proxy.js'))) {
      Annotations.of(scope).addWarningV2(
        'trellis:proxyImageNotBuilt',
        `${join(directory, 'dist')} is missing: run \`npm run build\` before \`cdk deploy\` builds the proxy image`,
      );
    }
    // The .dockerignore there keeps the context to the built payload (dist/).
    return ecs.ContainerImage.fromAsset(directory, {
      buildArgs: { BASE_IMAGE: DEFAULT_PROXY_BASE_IMAGE, ...this.o.buildArgs },
      platform: this.o.platform ?? Platform.LINUX_AMD64,
    });
  }
}
