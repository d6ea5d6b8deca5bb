/**
 * A service: the name callers use (App Mesh's virtual service), its versions (virtual
 * nodes) and the routes that split its traffic (a virtual router and its routes).
 */
import { z } from 'zod';
import { identifier, port, protocol } from './primitives';
import { route } from './route';
import { version } from './version';

/** A port callers reach the service on (App Mesh's virtual router listener). */
export const serviceListener = z.strictObject({ port, protocol });
export type ServiceListener = z.infer<typeof serviceListener>;

export const service = z.strictObject({
  description: z.string().optional(),
  /** Defaults to the listeners the versions share. */
  listeners: z.array(serviceListener).min(1).optional(),
  versions: z
    .record(identifier, version)
    .refine((v) => Object.keys(v).length > 0, 'a service needs at least one version'),
  /** Required when the service has more than one version. */
  routes: z.array(route).optional(),
});
export type Service = z.infer<typeof service>;
