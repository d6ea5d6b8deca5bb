/** App Mesh's file access log (text or JSON format) as a Trellis access log. */
import type { AccessLog } from '@aws-sdk/client-app-mesh';
import type { z } from 'zod';
import type { accessLog } from '../../model/version';

export type AccessLogSpec = z.input<typeof accessLog>;

export function accessLogSpec(log: AccessLog): AccessLogSpec | undefined {
  if (!log.file) return undefined;
  const out: AccessLogSpec = { path: log.file.path ?? '' };
  const format = log.file.format;
  if (format?.text !== undefined) out.text = format.text;
  if (format?.json !== undefined) out.json = Object.fromEntries(format.json.map((f) => [f.key ?? '', f.value ?? '']));
  return out;
}
