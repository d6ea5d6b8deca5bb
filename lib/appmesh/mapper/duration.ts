/** App Mesh's `{ value, unit }` durations and `…Millis` fields, written as Trellis duration strings. */
import type { Duration } from '@aws-sdk/client-app-mesh';
import { formatDuration } from '../../model/duration';

/** `{ value: 250, unit: 'ms' }` → `250ms`; `{ value: 15000, unit: 'ms' }` (as aws-cdk writes it) → `15s`. */
export function duration(d: Duration): string {
  return formatDuration(durationMs(d));
}

export function millis(ms: number): string {
  return formatDuration(ms);
}

export function durationMs(d: Duration): number {
  return (d.value ?? 0) * (d.unit === 'ms' ? 1 : 1000);
}
