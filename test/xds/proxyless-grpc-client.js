/**
 * A proxyless gRPC client for tests, run as its own process (grpc-js-xds keeps its xDS client
 * in module-global state, one bootstrap per process; the bootstrap comes from
 * GRPC_XDS_BOOTSTRAP_CONFIG). It dials `process.argv[2]` (an `xds:///` target) and answers each
 * stdin line `{"id":1,"calls":100,"metadata":{"client":"android"}}` with one stdout line
 * `{"id":1,"answers":{"v1":80,"v2":20},"errors":{}}`: how many calls each backend answered
 * (a backend answers with its name) and how many failed, by error message.
 */
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');
require('@grpc/grpc-js-xds').register();

const [target, method] = process.argv.slice(2);
const client = new grpc.Client(target, grpc.credentials.createInsecure());
const identity = (b) => b;
const CONCURRENCY = 16;

function call(metadata) {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata ?? {})) md.set(k, v);
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      method,
      identity,
      identity,
      Buffer.alloc(0),
      md,
      { deadline: Date.now() + 15_000 },
      (err, res) => resolve(err ? { error: err.details || err.message } : { answer: res.toString() }),
    ),
  );
}

async function batch({ id, calls, metadata }) {
  const answers = {};
  const errors = {};
  let left = calls;
  const worker = async () => {
    while (left > 0) {
      left--;
      const r = await call(metadata);
      if (r.error !== undefined) errors[r.error] = (errors[r.error] ?? 0) + 1;
      else answers[r.answer] = (answers[r.answer] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, calls) }, worker));
  process.stdout.write(`${JSON.stringify({ id, answers, errors })}\n`);
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(() => batch(JSON.parse(line)));
});
lines.on('close', () =>
  queue.then(() => {
    client.close();
    process.exit(0);
  }),
);
process.stdout.write('ready\n');
