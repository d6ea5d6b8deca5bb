/**
 * A problem found while reading a proto3 JSON document against Envoy's schema: where (a path
 * such as `filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].name`, empty
 * for the document itself) and why.
 */
export interface Problem {
  readonly path: string;
  readonly reason: string;
}

/** One line per problem: `<path>: <reason>`, `(root)` standing for the document itself. */
export function formatProblem(p: Problem): string {
  return `${p.path || '(root)'}: ${p.reason}`;
}

/** Thrown by the codec when a document cannot be encoded or bytes cannot be decoded. */
export class ProtoJsonError extends Error {
  constructor(
    readonly typeName: string,
    readonly problems: readonly Problem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => `  ${formatProblem(p)}`);
    if (problems.length > shown.length) shown.push(`  … and ${problems.length - shown.length} more`);
    super(`invalid ${typeName}:\n${shown.join('\n')}`);
    this.name = 'ProtoJsonError';
  }
}

/** Appends `.field` to a path (no dot at the root). */
export function fieldPath(parent: string, name: string): string {
  return parent ? `${parent}.${name}` : name;
}

/** Appends `[i]` for a list element. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Appends `["key"]` for a map entry or Struct field: keys are data, so always quoted. */
export function keyPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}
