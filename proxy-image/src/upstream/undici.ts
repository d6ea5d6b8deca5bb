/**
 * undici, loaded by the part. `import { Client } from 'undici'` runs all of undici's index
 * (fetch, WebSocket, caches, mocks: ~0.5 MiB of bundled code, compiled and kept from start) for
 * the one class every HTTP/1.1 upstream connection uses; the rest is loaded only when a REST
 * config source or a remote JWKS first needs `request`. The literal require()s let the image
 * build ship the whole package as a separate file (scripts/build.ts).
 */
import type { Dispatcher, Client as UndiciClient } from 'undici';

/** Without the methods undici's index would add (`request`, `stream`, …): the type says what is there. */
export type Client = Omit<UndiciClient, 'request' | 'stream' | 'pipeline' | 'upgrade' | 'connect'>;
export const Client = require('undici/lib/dispatcher/client') as new (
  ...args: ConstructorParameters<typeof UndiciClient>
) => Client;

/**
 * undici's index adds `request()` to every dispatcher's prototype; a Client required alone has
 * only `dispatch()`, so the health checker's one-shot GET goes through this instead.
 */
const apiRequest = require('undici/lib/api/api-request') as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;
export function request(client: Client, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(client as unknown as Dispatcher, options);
}

let all: typeof import('undici') | undefined;
export function undici(): typeof import('undici') {
  all ??= require('undici') as typeof import('undici');
  return all;
}
