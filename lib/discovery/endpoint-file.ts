/**
 * Endpoints written down in a file (`trellis compile --endpoints`): the same data model as
 * Cloud Map's instances, keyed by `<service>/<version>`.
 */

import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { EndpointSet } from '../compiler/endpoints';
import type { Problem } from '../model/problem';
import { issuesToProblems } from '../model/schema-issues';

const endpoint = z.strictObject({
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  ports: z.record(z.string().regex(/^\d+$/), z.number().int().min(1).max(65535)).optional(),
  health: z.enum(['HEALTHY', 'UNHEALTHY', 'UNKNOWN', 'DRAINING']).optional(),
  zone: z.string().min(1).optional(),
  weight: z.number().int().min(1).max(128).optional(),
  instanceId: z.string().min(1).optional(),
});

export const endpointSetSchema = z.record(z.string(), z.array(endpoint));

const KEY = /^[^/]+\/[^/]+$/;

export function parseEndpointSet(text: string, file: string): { endpoints?: EndpointSet; problems: Problem[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    return { problems: doc.errors.map((e) => ({ file, path: [], reason: e.message.split('\n')[0] })) };
  }
  const data = doc.toJS();
  const result = endpointSetSchema.safeParse(data, { reportInput: true });
  // Keys are checked here, not by the record's key schema: zod stops checking a record's
  // values once a key fails, and a user should see every problem at once.
  const badKeys: Problem[] =
    data && typeof data === 'object' && !Array.isArray(data)
      ? Object.keys(data)
          .filter((k) => !KEY.test(k))
          .map((k) => ({ path: [k], reason: `bad name: must be '<service>/<version>' (got "${k}")` }))
      : [];
  const problems = [...badKeys, ...(result.success ? [] : issuesToProblems(result.error.issues, endpointSetSchema))];
  if (problems.length) return { problems: problems.map((p) => ({ ...p, file })) };
  return { endpoints: result.data, problems: [] };
}
