/**
 * How the proxy's Node.js process is run, wherever it runs: the image (proxy-image/Dockerfile's
 * ENTRYPOINT and ENV, which test/image checks against these), `trellis up`, and the benchmarks.
 * A sidecar's garbage is short-lived and small, and it runs one JavaScript thread.
 */

/**
 * A small young generation (V8's default grows to 16 MiB per semi-space): a sidecar's garbage
 * is short-lived and small, so scavenges stay cheap. bench/proxy-memory.ts, idle RSS: default
 * 104 MiB, 2 MiB 87 MiB; after the lazy loading of 2026-11-23, 2 MiB 66 MiB and 1 MiB 62 MiB,
 * CPU per 1,000 requests at 2,000 rps 0.373 / 0.346 s (2 MiB) and 0.329 / 0.353 s (1 MiB).
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

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
