/**
 * Validate before publish (the equivalent of `envoy --mode validate`): every resource of a
 * snapshot against Envoy's own v3 schema and its validation rules, plus consistency.
 */
import { formatProblem as formatEnvoyProblem, validateJson } from '../envoy';
import { checkConsistency } from './consistency';
import { RESOURCE_TYPES, resourceName, type Snapshot } from './snapshot';

/** `<type> '<name>': <path>: <reason>` lines; empty when Envoy would accept the snapshot. */
export function validateSnapshot(snapshot: Snapshot): string[] {
  const out: string[] = [];
  for (const type of RESOURCE_TYPES) {
    for (const r of snapshot.resources[type]) {
      for (const p of validateJson(r['@type'], r)) out.push(`${type} '${resourceName(r)}': ${formatEnvoyProblem(p)}`);
    }
  }
  return [...out, ...checkConsistency(snapshot)];
}
