/**
 * The embedded registry's HTTP API, so proxies, scripts and tests can register and deregister
 * instances the way ECS does with Cloud Map. Resources are Cloud Map's (namespace, service,
 * instance); errors carry Cloud Map's exception names.
 *
 *   GET    /registry                                              every namespace, service, instance
 *   GET    /registry/namespaces/{ns}/services/{svc}/instances     DiscoverInstances (query: healthStatus, attributes)
 *   PUT    /registry/namespaces/{ns}/services/{svc}/instances/{id}  RegisterInstance  { attributes, health? }
 *   GET    /registry/namespaces/{ns}/services/{svc}/instances/{id}  GetInstance
 *   DELETE /registry/namespaces/{ns}/services/{svc}/instances/{id}  DeregisterInstance
 *   PUT    /registry/namespaces/{ns}/services/{svc}/instances/{id}/health  { status }
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError, type RegistryErrorCode } from './instance';
import type { HealthFilter, Registry } from './registry';

export const REGISTRY_PREFIX = '/registry';

const STATUS: Record<RegistryErrorCode, number> = {
  InvalidInput: 400,
  NamespaceNotFound: 404,
  ServiceNotFound: 404,
  InstanceNotFound: 404,
  CustomHealthNotFound: 404,
};

/** Bodies are small JSON documents; anything bigger is a mistake, not a registration. */
const MAX_BODY = 64 * 1024;

const INSTANCE_PATH = /^\/registry\/namespaces\/([^/]+)\/services\/([^/]+)\/instances(?:\/([^/]+))?(\/health)?\/?$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}

function sendError(res: ServerResponse, code: RegistryErrorCode | 'MethodNotAllowed' | 'NotFound', message: string) {
  const status = code === 'MethodNotAllowed' ? 405 : code === 'NotFound' ? 404 : STATUS[code];
  sendJson(res, status, { code, message });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RegistryError('InvalidInput', `body: larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RegistryError('InvalidInput', `body: not JSON (${(e as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new RegistryError('InvalidInput', 'body: must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function notAllowed(res: ServerResponse, req: IncomingMessage, url: URL): true {
  sendError(res, 'MethodNotAllowed', `${req.method} ${url.pathname}`);
  return true;
}

const HEALTH_FILTERS: readonly HealthFilter[] = ['HEALTHY', 'UNHEALTHY', 'ALL', 'HEALTHY_OR_ELSE_ALL'];

/**
 * Handles a request under `/registry`; returns false when the path is not the registry's, so
 * the caller's server can serve other things on the same port.
 */
export async function handleRegistryRequest(
  registry: Registry,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://registry');
  if (url.pathname !== REGISTRY_PREFIX && !url.pathname.startsWith(`${REGISTRY_PREFIX}/`)) return false;
  try {
    if (url.pathname === REGISTRY_PREFIX || url.pathname === `${REGISTRY_PREFIX}/`) {
      if (req.method !== 'GET') return notAllowed(res, req, url);
      sendJson(res, 200, registry.toJSON());
      return true;
    }
    const m = INSTANCE_PATH.exec(url.pathname);
    if (!m) {
      sendError(res, 'NotFound', `no registry resource at ${url.pathname}`);
      return true;
    }
    const [namespace, service, id] = [m[1], m[2], m[3]].map((s) => (s === undefined ? s : decodeURIComponent(s)));
    const health = m[4] !== undefined;
    if (id === undefined) {
      if (req.method !== 'GET') return notAllowed(res, req, url);
      const params = Object.fromEntries(
        [...url.searchParams].filter(([k]) => k !== 'healthStatus' && k !== 'maxResults'),
      );
      const healthStatus = (url.searchParams.get('healthStatus') ?? 'ALL') as HealthFilter;
      if (!HEALTH_FILTERS.includes(healthStatus)) {
        throw new RegistryError('InvalidInput', `healthStatus: must be one of ${HEALTH_FILTERS.join(', ')}`);
      }
      const max = url.searchParams.get('maxResults');
      const result = registry.discoverInstances({
        namespace: namespace!,
        service: service!,
        queryParameters: params,
        healthStatus,
        maxResults: max === null ? undefined : Number(max),
      });
      sendJson(res, 200, {
        instancesRevision: result.revision,
        instances: result.instances.map((i) => ({
          namespaceName: namespace,
          serviceName: service,
          instanceId: i.id,
          attributes: i.attributes,
          healthStatus: i.health,
        })),
      });
      return true;
    }
    const view = (i: { id: string; attributes: Record<string, string>; health: string }) => ({
      instanceId: i.id,
      attributes: i.attributes,
      healthStatus: i.health,
      instancesRevision: registry.revision(namespace!, service!),
    });
    if (health) {
      if (req.method !== 'PUT') return notAllowed(res, req, url);
      const body = await readJson(req);
      sendJson(res, 200, view(registry.setHealth(namespace!, service!, id, body.status as never)));
      return true;
    }
    switch (req.method) {
      case 'GET':
        sendJson(res, 200, view(registry.getInstance(namespace!, service!, id)));
        return true;
      case 'PUT': {
        const body = await readJson(req);
        const instance = registry.registerInstance({
          namespace: namespace!,
          service: service!,
          instanceId: id,
          attributes: body.attributes as Record<string, string>,
          health: body.health as never,
        });
        sendJson(res, 200, view(instance));
        return true;
      }
      case 'DELETE':
        sendJson(res, 200, view(registry.deregisterInstance(namespace!, service!, id)));
        return true;
      default:
        return notAllowed(res, req, url);
    }
  } catch (e) {
    if (e instanceof RegistryError) sendError(res, e.code, e.message);
    else sendJson(res, 500, { code: 'InternalError', message: (e as Error).message });
    return true;
  }
}
