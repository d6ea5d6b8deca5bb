/**
 * CloudWatch Embedded Metric Format as a Lambda writes it to stdout: capture the lines, parse
 * every JSON document carrying `_aws.CloudWatchMetrics`, and flatten it to one entry per metric.
 */

export interface EmfMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit?: string;
  readonly value: number;
  /** The metric's dimensions (names from the dimension set, values from the document). */
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface StdoutCapture {
  /** Everything written since the capture started. */
  text(): string;
  restore(): void;
}

export function captureStdout(): StdoutCapture {
  let out = '';
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  return { text: () => out, restore: () => void (process.stdout.write = original) };
}

export function parseEmf(text: string): EmfMetric[] {
  const out: EmfMetric[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    const aws = doc._aws as
      | {
          Timestamp: number;
          CloudWatchMetrics: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; Unit?: string }[];
          }[];
        }
      | undefined;
    if (!aws?.CloudWatchMetrics) continue;
    for (const directive of aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        const dimensions = Object.fromEntries(set.map((d) => [d, String(doc[d])]));
        for (const m of directive.Metrics) {
          const raw = doc[m.Name];
          for (const value of Array.isArray(raw) ? raw : [raw]) {
            out.push({ namespace: directive.Namespace, name: m.Name, unit: m.Unit, value: Number(value), dimensions });
          }
        }
      }
    }
  }
  return out;
}
