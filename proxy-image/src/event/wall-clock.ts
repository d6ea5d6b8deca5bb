/**
 * Wall-clock time for a monotonic reading (`performance.now()`), so a request records one clock
 * and not two. Every request needs its start on the monotonic clock (durations) and on the wall
 * clock (%START_TIME%, the X-Ray trace id's epoch, segment times); in V8 `Date.now()` is a call
 * into the runtime each time. The offset between the clocks is taken again at most once a
 * second, so a step of the system clock (NTP, a resumed VM) shows within a second, as it would.
 */

const RESYNC_MS = 1000;

let syncedAt = performance.now();
let offset = Date.now() - syncedAt;

/** Epoch milliseconds at monotonic time `mono` (default: now). */
export function wallClockMs(mono = performance.now()): number {
  if (mono - syncedAt >= RESYNC_MS) {
    syncedAt = performance.now();
    offset = Date.now() - syncedAt;
  }
  return mono + offset;
}
