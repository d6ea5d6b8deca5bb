/**
 * Events as AWS delivers them to the compile controller: a CloudFormation custom resource
 * request, an EventBridge `ECS Task State Change`, and an EventBridge `Scheduled Event`. Shapes
 * follow the AWS documentation's examples; ids and ARNs are made up.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/TrellisShop/5b6a2c10-9f1e-11f0-8e4d-0a1b2c3d4e5f`;
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:TrellisShop-MeshCompileFunction-AbCdEf123456`;

export function customResourceEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  responseUrl: string,
  properties: Record<string, string>,
  oldProperties: Record<string, string> = {},
): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: FUNCTION_ARN,
    ResponseURL: responseUrl,
    StackId: STACK_ID,
    RequestId: `req-${requestType.toLowerCase()}-0001`,
    LogicalResourceId: 'MeshDeployment0A1B2C3D',
    ResourceType: 'Custom::TrellisMeshDeployment',
    ResourceProperties: { ...properties, ServiceToken: FUNCTION_ARN },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  const PhysicalResourceId = 'trellis-mesh-deployment-MeshDeployment0A1B2C3D';
  if (requestType === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId,
      OldResourceProperties: { ...oldProperties, ServiceToken: FUNCTION_ARN },
    };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId };
}

export function taskStateChangeEvent(o: {
  id: string;
  family: string;
  ip: string;
  lastStatus: 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEPROVISIONING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  time?: string;
}) {
  const cluster = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/shop`;
  const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/shop/${o.id}`;
  return {
    version: '0',
    id: `3317b2af-7005-947d-b652-f55e762e571a-${o.id.slice(0, 4)}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: o.time ?? '2026-10-01T12:01:00Z',
    region: REGION,
    resources: [taskArn],
    detail: {
      attachments: [
        {
          id: `eni-attachment-${o.id.slice(0, 8)}`,
          type: 'eni',
          status: o.lastStatus === 'RUNNING' ? 'ATTACHED' : 'DELETED',
          details: [
            { name: 'subnetId', value: 'subnet-0abc1234def567890' },
            { name: 'networkInterfaceId', value: 'eni-0123456789abcdef0' },
            { name: 'privateIPv4Address', value: o.ip },
          ],
        },
      ],
      availabilityZone: `${REGION}a`,
      clusterArn: cluster,
      containers: [
        {
          containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/shop/${o.id}/app`,
          lastStatus: o.lastStatus,
          name: 'app',
          taskArn,
        },
        {
          containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/shop/${o.id}/envoy`,
          lastStatus: o.lastStatus,
          name: 'proxy',
          taskArn,
          healthStatus: 'HEALTHY',
        },
      ],
      createdAt: '2026-10-01T12:00:30.000Z',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      cpu: '512',
      memory: '1024',
      desiredStatus: o.desiredStatus,
      group: `service:${o.family}`,
      lastStatus: o.lastStatus,
      overrides: { containerOverrides: [{ name: 'app' }, { name: 'proxy' }] },
      connectivity: 'CONNECTED',
      taskArn,
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${o.family}:3`,
      updatedAt: o.time ?? '2026-10-01T12:01:00Z',
      version: 4,
    },
  };
}

export function scheduledEvent(time = '2026-10-01T12:05:00Z') {
  return {
    version: '0',
    id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/TrellisShop-MeshResyncSchedule-1A2B3C4D5E6F`],
    detail: {},
  };
}
