/**
 * undici, loaded when first needed: a REST config source or a remote JWKS. Upstream HTTP/1.1
 * traffic and health checks go through the proxy's own client (http1-client-connection.ts), so
 * a proxy that needs neither never loads undici (~0.5 MiB of bundled code and a WebAssembly
 * parser, compiled and kept from start). The literal require() lets the image build ship the
 * whole package as a separate file (scripts/build.ts).
 */
let all: typeof import('undici') | undefined;
export function undici(): typeof import('undici') {
  all ??= require('undici') as typeof import('undici');
  return all;
}
