/**
 * undici, loaded by the part. `import { Client } from 'undici'` runs all of undici's index
 * (fetch, WebSocket, caches, mocks: ~0.5 MiB of bundled code, compiled and kept from start) for
 * the one class every HTTP/1.1 upstream connection uses; the rest is loaded only when a REST
 * config source or a remote JWKS first needs `request`. The literal require()s let the image
 * build ship the whole package as a separate file (scripts/build.ts).
 */
import type { Client as UndiciClient } from 'undici';

export const Client = require('undici/lib/dispatcher/client') as typeof UndiciClient;
export type Client = UndiciClient;

let all: typeof import('undici') | undefined;
export function undici(): typeof import('undici') {
  all ??= require('undici') as typeof import('undici');
  return all;
}
