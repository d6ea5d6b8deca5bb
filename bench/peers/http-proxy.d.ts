/** The slice of http-proxy's API the peer uses (the package ships no types). */
declare module 'http-proxy' {
  import type { Agent, IncomingMessage, ServerResponse } from 'node:http';
  import type { Socket } from 'node:net';

  interface ProxyServer {
    web(req: IncomingMessage, res: ServerResponse): void;
    on(event: 'error', listener: (err: Error, req: IncomingMessage, res: ServerResponse | Socket) => void): this;
  }
  function createProxyServer(options: { target: string; agent?: Agent }): ProxyServer;
  const httpProxy: { createProxyServer: typeof createProxyServer };
  export default httpProxy;
}
