/**
 * The compile controller. Every trigger (deploy, task state change, schedule) runs the same
 * full compile of the deployed mesh definition against Cloud Map and publishes what changed;
 * the logic is lib/snapshot-store/publish.ts, this file only adapts events and reports.
 * Deploy requests are always answered (CloudFormation would wait an hour otherwise); other
 * failures are thrown, so Lambda retries them and then sends them to the dead-letter queue.
 */
import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { DEPLOYMENT_PROPERTIES } from '../../lib/aws/controller-environment';
import { S3IdentityVault } from '../../lib/aws/identity-vault';
import { PrivateCaIssuer } from '../../lib/aws/private-ca-issuer';
import { type ProxyIdentitiesOptions, proxyIdentities } from '../../lib/aws/proxy-identities';
import { CloudMapDiscovery } from '../../lib/discovery/cloud-map';
import { PublishError, type PublishMeshResult, publishMesh } from '../../lib/snapshot-store/publish';
import { S3SnapshotStore } from '../../lib/snapshot-store/s3-snapshot-store';
import type { SnapshotStore } from '../../lib/snapshot-store/snapshot-store';
import { logger, metrics, tracer } from '../shared/powertools';
import { sendCfnResponse } from './cfn-response';
import { recordFailure, recordPublication } from './publication-metrics';
import { readSettings, type Settings } from './settings';
import { parseTrigger } from './trigger';

export interface Runtime {
  readonly settings: Settings;
  readonly store: SnapshotStore;
  readonly discovery: Pick<CloudMapDiscovery, 'endpoints'>;
  /** Issues and keeps proxies' certificates when the mesh has an AWS Private CA. */
  readonly identities?: Omit<ProxyIdentitiesOptions, 'onIssued'>;
}

/** Clients live as long as the process, so warm runs reuse connections and Cloud Map revisions. */
export function runtimeFromEnvironment(): Runtime {
  const settings = readSettings();
  const s3 = tracer.captureAWSv3Client(new S3Client({}));
  const serviceDiscovery = tracer.captureAWSv3Client(new ServiceDiscoveryClient({}));
  const caArn = settings.certificateAuthorityArn;
  return {
    settings,
    store: new S3SnapshotStore({ client: s3, bucket: settings.bucket }),
    discovery: new CloudMapDiscovery({ client: serviceDiscovery, onWarning: (m) => logger.warn(m) }),
    identities: caArn
      ? {
          issuer: new PrivateCaIssuer({
            client: tracer.captureAWSv3Client(new ACMPCAClient({})),
            certificateAuthorityArn: caArn,
            validityHours: settings.certificateValidityHours,
          }),
          vault: new S3IdentityVault({ client: s3, bucket: settings.bucket }),
        }
      : undefined,
  };
}

export interface Summary {
  readonly status: PublishMeshResult['status'];
  readonly published: string[];
  readonly unchanged: number;
}

export function createHandler(makeRuntime: () => Runtime = runtimeFromEnvironment) {
  let runtime: Runtime | undefined;

  async function publish(definition?: unknown, allowProxyLoss = false): Promise<PublishMeshResult> {
    runtime ??= makeRuntime();
    const { settings, store, discovery, identities } = runtime;
    try {
      const result = await publishMesh({
        store,
        discover: (model) => discovery.endpoints(model),
        definition,
        certificates: identities
          ? async (model) => {
              const out = await proxyIdentities(model, {
                ...identities,
                onIssued: (proxy, id) =>
                  logger.info('certificate issued', {
                    proxy,
                    certificateArn: id.certificateArn,
                    notAfter: id.notAfter,
                  }),
              });
              return out.certificates;
            }
          : undefined,
        guard: { maxProxyLoss: settings.maxProxyLoss, maxEndpointLoss: settings.maxEndpointLoss, allowProxyLoss },
      });
      recordPublication(metrics, settings.mesh, result, new Date());
      logger.info('compiled', {
        status: result.status,
        attempts: result.attempts,
        published: result.proxies.filter((p) => p.status === 'published').map((p) => `${p.proxy}@${p.version}`),
      });
      return result;
    } catch (e) {
      recordFailure(metrics, settings.mesh);
      if (e instanceof PublishError) logger.error('nothing published', { stage: e.stage, problems: e.lines });
      else logger.error('compile run failed', e as Error);
      throw e;
    }
  }

  async function onDeploy(event: CloudFormationCustomResourceEvent): Promise<void> {
    const physicalResourceId = `trellis-mesh-deployment-${event.LogicalResourceId}`;
    if (event.RequestType === 'Delete') {
      // Snapshots stay with the bucket (its removal policy decides); proxies go with their tasks.
      await sendCfnResponse(event, { status: 'SUCCESS', physicalResourceId });
      return;
    }
    const props = event.ResourceProperties;
    let response: Parameters<typeof sendCfnResponse>[1];
    try {
      const definition = JSON.parse(String(props[DEPLOYMENT_PROPERTIES.definition]));
      const result = await publish(definition, props[DEPLOYMENT_PROPERTIES.allowDestructiveUpdates] === 'true');
      response = {
        status: 'SUCCESS',
        physicalResourceId,
        data: {
          Proxies: result.proxies.length,
          Published: result.proxies.filter((p) => p.status === 'published').length,
        },
      };
    } catch (e) {
      const reason = e instanceof PublishError ? e.message : `compile failed: ${(e as Error).message}`;
      response = { status: 'FAILED', physicalResourceId, reason };
    }
    await sendCfnResponse(event, response);
  }

  return async function handler(event: unknown, _context?: Context): Promise<Summary | undefined> {
    const trigger = parseTrigger(event);
    logger.appendKeys({ trigger: trigger.kind });
    tracer.putAnnotation('trigger', trigger.kind);
    try {
      switch (trigger.kind) {
        case 'deploy':
          await onDeploy(trigger.event);
          return undefined;
        case 'task-state-change':
          logger.info('task state changed', {
            task: trigger.event.detail.taskArn,
            lastStatus: trigger.event.detail.lastStatus,
            desiredStatus: trigger.event.detail.desiredStatus,
          });
          break;
        case 'schedule':
          break;
        case 'unknown':
          logger.warn('ignored an event that is neither a deploy, a task state change nor a schedule');
          return undefined;
      }
      const result = await publish();
      return {
        status: result.status,
        published: result.proxies.filter((p) => p.status === 'published').map((p) => p.proxy),
        unchanged: result.proxies.filter((p) => p.status === 'unchanged').length,
      };
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

export const handler = createHandler();
