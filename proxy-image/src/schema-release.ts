/**
 * When the proxy lets Envoy's schema go (lib/envoy/schema.ts). Every config is checked against
 * the schema when it is loaded; the ~90 .proto files a mesh's config needs are some 5 MiB of
 * heap, which a sidecar otherwise keeps for nothing between updates (idle RSS 60.6 → 56 MiB,
 * `npx tsx bench/proxy-memory.ts`).
 *
 * - A config nothing can change (no xDS subscription: static resources only) lets it go as soon
 *   as the proxy is LIVE, since no document will be checked again.
 * - A config that can change keeps it until it has gone unused for `idleS` (default 5 minutes):
 *   the next update loads its types again, which holds the event loop for the time parsing
 *   their files takes (a DiscoveryResponse, a Listener with its HCM and router, a Cluster: 72
 *   files, 95–160 ms here), so a burst of updates (a deployment rolling through) pays that once,
 *   and a quiet mesh carries 5 MiB less per task.
 */
import { releaseEnvoySchema, releaseEnvoySchemaWhenIdle } from '../../lib/envoy';
import { log } from './log';

export const DEFAULT_SCHEMA_IDLE_S = 300;

/**
 * Two full collections (`--expose-gc`, process-settings.ts). An idle heap is compacted by V8's
 * memory reducer only in the first seconds after start, so without them the freed schema stays
 * resident until traffic happens to fill the old generation. The first frees its objects, the
 * second evacuates the pages they leave mostly empty and returns them: 59.7 MiB resident after
 * one, 56.6 after two (8 + 6 ms of pause, once per release). Without the flag nothing is forced.
 */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

/** Called once the proxy is LIVE. `idleS` 0 keeps the schema for good. */
export function releaseSchemaWhenUnused(configCanChange: boolean, idleS: number): void {
  if (idleS <= 0) return;
  if (!configCanChange) {
    if (releaseEnvoySchema()) released('the config is static');
    return;
  }
  releaseEnvoySchemaWhenIdle(idleS * 1000, () => released(`unused by config updates for ${idleS} s`));
}

function released(why: string): void {
  collectGarbage();
  log.debug(`Envoy schema released (${why}); heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MiB`);
}
