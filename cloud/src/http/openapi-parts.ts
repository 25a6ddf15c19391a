import { z } from 'zod';

/** Building blocks shared by the parts of `/openapi.json`. */

/** A zod schema as an OpenAPI 3.1 schema (JSON Schema 2020-12, without its `$schema` line). */
export const schema = (type: z.ZodType) => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(type, { unrepresentable: 'any', io: 'input' }) as Record<
    string,
    unknown
  >;
  return rest;
};
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (body: unknown) => ({ 'application/json': { schema: body } });
export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
export const ok = (description: string, body: unknown) => ({ description, content: json(body) });
export const unavailable = { '503': problem('The database is unavailable: retry later') };
