/**
 * How the proxy's Node.js process is run, wherever it runs: the image (proxy-image/Dockerfile's
 * ENTRYPOINT and ENV, which test/image checks against these), `trellis up`, and the benchmarks.
 * A sidecar's garbage is short-lived and small, and it runs one JavaScript thread.
 */

/**
 * A 2 MiB young generation (V8's default grows to 16 MiB per semi-space): scavenges stay cheap,
 * RSS at start 104 → 87 MiB, CPU per request unchanged within the noise (bench/proxy-memory.ts).
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

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
