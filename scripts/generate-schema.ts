// Writes schema/mesh.schema.json from the model; a test fails when it is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { meshJsonSchema } from '../lib/model/json-schema';

const out = join(__dirname, '..', 'schema', 'mesh.schema.json');
mkdirSync(join(__dirname, '..', 'schema'), { recursive: true });
writeFileSync(out, `${JSON.stringify(meshJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out}`);
