/** A real @grpc/grpc-js server on 127.0.0.1 that answers every unary call to `method` with its own name. */
import { Server, ServerCredentials } from '@grpc/grpc-js';

export const WHO_METHOD = '/trellis.test.Echo/Who';

export interface NameBackend {
  readonly name: string;
  readonly port: number;
  /** Calls answered so far. */
  readonly calls: () => number;
  close(): Promise<void>;
}

export async function startNameBackend(name: string, method = WHO_METHOD): Promise<NameBackend> {
  const server = new Server();
  let calls = 0;
  const raw = (b: Buffer) => b;
  server.addService(
    {
      Who: {
        path: method,
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    {
      Who: (_call: unknown, callback: (e: null, v: Buffer) => void) => {
        calls++;
        callback(null, Buffer.from(name));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    name,
    port,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
