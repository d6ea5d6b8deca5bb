// Hand-written Envoy v3 resources (from the Envoy API reference), one JSON file per resource type.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../../lib/envoy';

export function fixture(name: 'listener' | 'route' | 'cluster' | 'endpoints' | 'bootstrap'): JsonObject {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8'));
}

export function secrets(): JsonObject[] {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', 'secret.json'), 'utf8'));
}

/** A deep copy to mutate in a negative test. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
