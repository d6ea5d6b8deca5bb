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

export const endpointSetSchema = z.record(
  z.string().regex(/^[^/]+\/[^/]+$/, "must be '<service>/<version>'"),
  z.array(endpoint),
);

export function parseEndpointSet(text: string, file: string): { endpoints?: EndpointSet; problems: Problem[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    return { problems: doc.errors.map((e) => ({ file, path: [], reason: e.message.split('\n')[0] })) };
  }
  const result = endpointSetSchema.safeParse(doc.toJS(), { reportInput: true });
  if (!result.success) {
    return { problems: issuesToProblems(result.error.issues, endpointSetSchema).map((p) => ({ ...p, file })) };
  }
  return { endpoints: result.data, problems: [] };
}
