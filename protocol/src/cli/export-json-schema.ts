import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildJsonSchemas, serializeJsonSchema } from '../json-schema.js';

/** Regenerates protocol/json-schema/ from the zod schemas: `npm run -w protocol schema:export`. */
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'json-schema');
await rm(outDir, { recursive: true, force: true });
const files = buildJsonSchemas();
for (const [name, doc] of Object.entries(files)) {
  const path = join(outDir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, serializeJsonSchema(doc));
}
console.log(`wrote ${Object.keys(files).length} JSON Schema files to ${outDir}`);
