/**
 * The JSON Schema of mesh files, derived from the same zod schema the validator uses, so
 * editors (YAML language server, VS Code) autocomplete and check what Trellis accepts.
 */
import { z } from 'zod';
import { mesh } from './mesh';

export function meshJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(mesh, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    ...schema,
    $id: 'https://trellis.dev/schema/mesh.schema.json',
    title: 'Trellis mesh',
    description: 'A Trellis service mesh: services, their versions and routes, gateways and external services.',
  };
}
