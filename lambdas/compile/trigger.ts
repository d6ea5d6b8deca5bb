/**
 * What woke the compile controller: a deploy (CloudFormation custom resource), a task starting
 * or stopping (EventBridge `ECS Task State Change`), or the periodic resync (EventBridge
 * `Scheduled Event`). All three lead to the same full compile; they differ in what they answer.
 */
import type { CloudFormationCustomResourceEvent, EventBridgeEvent } from 'aws-lambda';

export interface EcsTaskStateChange {
  readonly clusterArn?: string;
  readonly taskArn?: string;
  readonly group?: string;
  readonly lastStatus?: string;
  readonly desiredStatus?: string;
}

export type Trigger =
  | { readonly kind: 'deploy'; readonly event: CloudFormationCustomResourceEvent }
  | {
      readonly kind: 'task-state-change';
      readonly event: EventBridgeEvent<'ECS Task State Change', EcsTaskStateChange>;
    }
  | { readonly kind: 'schedule'; readonly event: EventBridgeEvent<'Scheduled Event', unknown> }
  | { readonly kind: 'unknown'; readonly event: unknown };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseTrigger(event: unknown): Trigger {
  if (!isObject(event)) return { kind: 'unknown', event };
  if (
    typeof event.RequestType === 'string' &&
    typeof event.ResponseURL === 'string' &&
    ['Create', 'Update', 'Delete'].includes(event.RequestType)
  ) {
    return { kind: 'deploy', event: event as unknown as CloudFormationCustomResourceEvent };
  }
  if (event.source === 'aws.ecs' && event['detail-type'] === 'ECS Task State Change') {
    return {
      kind: 'task-state-change',
      event: event as unknown as Extract<Trigger, { kind: 'task-state-change' }>['event'],
    };
  }
  if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
    return { kind: 'schedule', event: event as unknown as Extract<Trigger, { kind: 'schedule' }>['event'] };
  }
  return { kind: 'unknown', event };
}
