/**
 * AWS Cloud Map behind aws-sdk-client-mock, for tests of code that discovers through
 * `@aws-sdk/client-servicediscovery`: namespaces of services of instances with attributes and
 * health, a revision per service that moves on every change (as DiscoverInstancesRevision's
 * does), `ServiceNotFound` for unknown services, and call counts.
 */
import {
  DiscoverInstancesCommand,
  DiscoverInstancesRevisionCommand,
  type HttpInstanceSummary,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';

interface FakeService {
  revision: number;
  instances: Map<string, HttpInstanceSummary>;
}

export interface FakeTask {
  readonly id: string;
  readonly ip: string;
  readonly port: number;
  readonly family: string;
  readonly zone?: string;
  readonly health?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
}

export class FakeCloudMap {
  readonly mock = mockClient(ServiceDiscoveryClient);
  readonly calls = { discoverInstances: 0, discoverInstancesRevision: 0 };
  /** When set, every DiscoverInstances answers no instances (what an outage can look like). */
  answerEmpty = false;
  private readonly services = new Map<string, FakeService>();

  constructor() {
    this.mock.on(DiscoverInstancesCommand).callsFake((input) => {
      this.calls.discoverInstances++;
      const s = this.service(input.NamespaceName, input.ServiceName);
      const wanted = Object.entries(input.QueryParameters ?? {});
      const instances = this.answerEmpty
        ? []
        : [...s.instances.values()].filter((i) => wanted.every(([k, v]) => i.Attributes?.[k] === v));
      return { Instances: instances.slice(0, input.MaxResults ?? 100), InstancesRevision: s.revision };
    });
    this.mock.on(DiscoverInstancesRevisionCommand).callsFake((input) => {
      this.calls.discoverInstancesRevision++;
      return { InstancesRevision: this.service(input.NamespaceName, input.ServiceName).revision };
    });
  }

  createService(namespace: string, service: string): void {
    if (!this.services.has(`${namespace}/${service}`)) {
      this.services.set(`${namespace}/${service}`, { revision: 1, instances: new Map() });
    }
  }

  /** Registers a task as ECS service discovery does (same attribute names). */
  registerTask(namespace: string, service: string, t: FakeTask): void {
    this.createService(namespace, service);
    const s = this.services.get(`${namespace}/${service}`)!;
    s.instances.set(t.id, {
      InstanceId: t.id,
      NamespaceName: namespace,
      ServiceName: service,
      HealthStatus: t.health ?? 'HEALTHY',
      Attributes: {
        AWS_INSTANCE_IPV4: t.ip,
        AWS_INSTANCE_PORT: String(t.port),
        AVAILABILITY_ZONE: t.zone ?? 'eu-west-1a',
        REGION: 'eu-west-1',
        ECS_CLUSTER_NAME: 'shop',
        ECS_SERVICE_NAME: t.family,
        ECS_TASK_DEFINITION_FAMILY: t.family,
      },
    });
    s.revision++;
  }

  deregister(namespace: string, service: string, id: string): void {
    const s = this.service(namespace, service);
    if (s.instances.delete(id)) s.revision++;
  }

  restore(): void {
    this.mock.restore();
  }

  private service(namespace: string | undefined, name: string | undefined): FakeService {
    const s = this.services.get(`${namespace}/${name}`);
    if (!s) throw Object.assign(new Error(`Service not found: ${name}`), { name: 'ServiceNotFound' });
    return s;
  }
}
