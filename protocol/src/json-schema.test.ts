import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildJsonSchemas, serializeJsonSchema } from './json-schema.js';
import { DEVICE_KINDS, profileOf } from './profiles/index.js';

const exported = buildJsonSchemas();
const exportDir = join(import.meta.dirname, '..', 'json-schema');

// `unit` is Gridlink's annotation keyword; declare it so strict mode still catches typos.
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
ajv.addKeyword('unit');
ajv.addKeyword('x-gridlink');

describe('JSON Schema export', () => {
  it('is committed and current (run `npm run -w protocol schema:export` after changing a schema)', async () => {
    for (const [name, doc] of Object.entries(exported)) {
      const committed = await readFile(join(exportDir, name), 'utf8').catch(() => 'missing');
      expect(committed, name).toBe(serializeJsonSchema(doc));
    }
  });

  it.each(DEVICE_KINDS)('%s: validates the examples and refuses a wrong type, as the zod schemas do', (kind) => {
    const doc = exported[`devices/${kind}.json`] as { $id: string };
    ajv.addSchema(doc);
    const check = (def: string, payload: unknown) => {
      const validate = ajv.getSchema(`${doc.$id}#/$defs/${def}`);
      if (!validate) throw new Error(`no $defs/${def} in ${kind}`);
      return validate(payload);
    };
    const profile = profileOf(kind);
    for (const state of profile.examples.state) expect(check('state', state)).toBe(true);
    for (const [type, payloads] of Object.entries(profile.examples.events)) {
      for (const payload of payloads ?? []) expect(check(`event.${type}`, payload), type).toBe(true);
      expect(check(`event.${type}`, { ts: 'yesterday' }), type).toBe(false);
    }
    for (const [name, payloads] of Object.entries(profile.examples.commands)) {
      for (const payload of payloads ?? []) expect(check(`command.${name}`, payload), name).toBe(true);
    }
    expect(check('state', { not_a_field: 1 })).toBe(false);
  });
});
