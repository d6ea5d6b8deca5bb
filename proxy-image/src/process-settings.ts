/**
 * How the proxy's Node.js process is run, wherever it runs: the image (proxy-image/Dockerfile's
 * ENTRYPOINT and ENV, which test/image checks against these), `trellis up`, and the benchmarks.
 * A sidecar's garbage is short-lived and small, and it runs one JavaScript thread.
 */

/**
 * The young generation may grow to 8 MiB per semi-space (V8's default is 16), so that under
 * load the requests in flight die young instead of being copied and promoted: with 1 MiB, 128
 * h2c streams in flight outlived most scavenges and the garbage collector took 14 % of the
 * proxy's time. Interleaved rounds (bench/rounds.ts --protocol h2), maximum rate: 1 MiB 5,440
 * rps (0.199 CPU s per 1,000), 4 MiB 6,846 (0.160), 8 MiB 8,784 (0.119), @fastify/http-proxy
 * 4,203; HTTP/1.1 +3–10 %. Idle RSS is the same once V8's memory reducer has shrunk an idle
 * process's young generation, ~20 s after start (59.5 / 59.9 / 59.7 MiB for 1 / 4 / 8 MiB);
 * before that it is 65 / 71 / 78 MiB, and 3 MiB more under load at 1,000 rps.
 * `--expose-gc`: the proxy collects once it has let Envoy's schema go (schema-release.ts).
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--expose-gc'];

/**
 * glibc's malloc: one arena, since one thread allocates nearly everything and each extra arena
 * (one per V8 or libuv thread that ever called malloc) keeps its own free memory (RSS at start
 * −13 MiB); mmap and trim thresholds fixed at their defaults, which glibc otherwise raises as a
 * process frees large blocks, after which it keeps freed memory (after 20 s at 1,000 rps −36 MiB).
 */
export const PROXY_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
