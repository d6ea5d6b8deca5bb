/**
 * A service: the name callers use (App Mesh's virtual service), its versions (virtual
 * nodes) and the routes that split its traffic (a virtual router and its routes).
 */
import { z } from 'zod';
import { authorization } from './authorization';
import { identifier, port, protocol } from './primitives';
import { route } from './route';
import { version } from './version';

/** A port callers reach the service on (App Mesh's virtual router listener). */
export const serviceListener = z.strictObject({ port, protocol });
export type ServiceListener = z.infer<typeof serviceListener>;

export const service = z
  .strictObject({
    description: z.string().optional(),
    /** Defaults to the listeners the versions share; required when the service has no versions of its own. */
    listeners: z.array(serviceListener).min(1).optional(),
    /**
     * Empty only for a service whose routes all target other services' versions (an alias, as an
     * App Mesh virtual service whose provider is a node that backs another virtual service too).
     */
    versions: z.record(identifier, version),
    /** Required when the service has more than one version, or none of its own. */
    routes: z.array(route).optional(),
    /** Which callers may call which operations; every caller when omitted, nobody when empty. Needs mTLS. */
    authorization: authorization.optional(),
  })
  .superRefine((s, ctx) => {
    if (Object.keys(s.versions).length === 0 && !s.routes?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['versions'],
        message: "a service needs at least one version, or routes to other services' versions",
      });
    }
  });
export type Service = z.infer<typeof service>;
