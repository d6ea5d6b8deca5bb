/**
 * App Mesh names become Trellis names: virtual services and gateways become DNS names
 * (`catalog.local` stays as it is; aws-cdk's `MeshCatalogNodeA1B2C3D4` becomes
 * `meshcatalognodea1b2c3d4`), nodes and routes become identifiers of at most 63 characters.
 * A placeholder `${Param}` reads `param`.
 */
import { createHash } from 'node:crypto';

const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const IDENTIFIER = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/** `${AWS::StackName}` → `aws-stackname`, `${Import:shared-mesh}` → `import-shared-mesh`. */
function unplaceholder(name: string): string {
  return name.replace(/\$\{([^}]*)\}/g, (_m, inner: string) => inner.replace(/[^A-Za-z0-9]+/g, '-'));
}

function shorten(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
}

export function toDnsName(name: string): string {
  if (DNS_NAME.test(name) && name.length <= 253) return name;
  const labels = unplaceholder(name)
    .toLowerCase()
    .split('.')
    .map((l) => l.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((l) => l.length > 0);
  return shorten(labels.join('.') || 'unnamed', 253);
}

export function toIdentifier(name: string): string {
  if (IDENTIFIER.test(name) && name.length <= 63) return name;
  const cleaned = unplaceholder(name)
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return shorten(cleaned || 'unnamed', 63);
}

/** Hands out names unique within one scope, suffixing `-2`, `-3`… on a clash. */
export class NameScope {
  private readonly taken = new Set<string>();

  constructor(private readonly make: (name: string) => string) {}

  claim(appMeshName: string): string {
    const base = this.make(appMeshName);
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}-${i}`;
    this.taken.add(name);
    return name;
  }

  reserve(name: string): void {
    this.taken.add(name);
  }
}
