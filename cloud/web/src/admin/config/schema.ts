/** The part of JSON Schema (as `/openapi.json` gives the settings) that the generated forms read. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: string[];
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  description?: string;
  default?: unknown;
  $ref?: string;
}

/** How a field is drawn, from its schema. */
export type Widget =
  | 'switch'
  | 'number'
  | 'select'
  | 'text'
  | 'multi-select'
  | 'category-list'
  | 'rows'
  | 'group'
  | 'keyed-numbers';

const CATEGORY_PATTERN = /\[a-z\]\[a-z0-9_\]/;

export function widgetOf(schema: JsonSchema): Widget {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'boolean') return 'switch';
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'string') return schema.enum ? 'select' : 'text';
  if (type === 'array') {
    if (schema.items?.enum) return 'multi-select';
    if (schema.items?.type === 'object') return 'rows';
    if (schema.items?.pattern && CATEGORY_PATTERN.test(schema.items.pattern)) return 'category-list';
    return 'multi-select';
  }
  if (schema.propertyNames?.enum && typeof schema.additionalProperties === 'object') return 'keyed-numbers';
  return 'group';
}

/** `/components/schemas/X` of the document, following a `$ref` at the top. */
export function schemaNamed(document: { components?: { schemas?: Record<string, JsonSchema> } }, name: string) {
  return document.components?.schemas?.[name];
}

/** A new row of a `rows` field: each property's default, else an empty value of its type. */
export function emptyRow(schema: JsonSchema): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(schema.items?.properties ?? {}).map(([key, field]) => [
      key,
      field.default ?? (field.type === 'number' || field.type === 'integer' ? (field.minimum ?? 0) : ''),
    ]),
  );
}
