import type { z } from 'zod';

/**
 * Read-only walks over a zod 4 schema: which fields exist at a path, whether a leaf is a string or
 * an integer, every leaf path. The config loader uses them to map env names onto the schema, to
 * word error messages ("expected integer") and to suggest the field that was probably meant.
 */
export type Schema = z.core.$ZodType;

interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  options?: readonly Schema[];
  element?: Schema;
  discriminator?: string;
  format?: string;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

const defOf = (schema: Schema) => schema._zod.def as unknown as Def;

/** Wrappers that do not change which fields exist: `.optional()`, `.default()`, `.prefault()`… */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

export function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** Fields of an object schema, or of every branch of a union of objects, merged by name. */
export function fieldsOf(schemas: Schema | readonly Schema[]): Map<string, Schema[]> | undefined {
  const merged = new Map<string, Schema[]>();
  let isObject = false;
  for (const schema of Array.isArray(schemas) ? schemas : [schemas as Schema]) {
    const def = defOf(unwrap(schema));
    if (def.type === 'object' && def.shape) {
      isObject = true;
      for (const [key, value] of Object.entries(def.shape)) merged.set(key, [...(merged.get(key) ?? []), value]);
    } else if (def.type === 'union' && def.options) {
      const inner = fieldsOf(def.options);
      if (!inner) continue;
      isObject = true;
      for (const [key, value] of inner) merged.set(key, [...(merged.get(key) ?? []), ...value]);
    }
  }
  return isObject ? merged : undefined;
}

/** The schemas found at `path` (several when a union's branches share a field); empty if none. */
export function schemasAt(root: Schema, path: readonly PropertyKey[]): Schema[] {
  let current: Schema[] = [root];
  for (const segment of path) {
    const next: Schema[] = [];
    for (const schema of current) {
      const def = defOf(unwrap(schema));
      if (def.type === 'array' && def.element && typeof segment === 'number') next.push(def.element);
    }
    const fields = fieldsOf(current);
    const named = fields?.get(String(segment));
    if (named) next.push(...named);
    if (next.length === 0) return [];
    current = next;
  }
  return current;
}

/** What a leaf holds, as far as reading it from an environment variable is concerned. */
export type LeafKind = 'section' | 'string' | 'value';

export function leafKind(schemas: readonly Schema[]): LeafKind {
  if (fieldsOf(schemas)) return 'section';
  const allStrings = schemas.every((schema) => {
    const def = defOf(unwrap(schema));
    if (def.type === 'string') return true;
    if (def.type === 'enum') return Object.values(def.entries ?? {}).every((v) => typeof v === 'string');
    if (def.type === 'literal') return (def.values ?? []).every((v) => typeof v === 'string');
    return false;
  });
  return allStrings && schemas.length > 0 ? 'string' : 'value';
}

export function isIntegerAt(root: Schema, path: readonly PropertyKey[]): boolean {
  const schemas = schemasAt(root, path);
  return (
    schemas.length > 0 &&
    schemas.every((schema) => {
      const def = defOf(unwrap(schema));
      return def.type === 'number' && (def.format?.includes('int') ?? false);
    })
  );
}

/** The discriminator of the union at `path`, if the schema there is a discriminated union. */
export function discriminatorAt(root: Schema, path: readonly PropertyKey[]): string | undefined {
  for (const schema of schemasAt(root, path)) {
    const def = defOf(unwrap(schema));
    if (def.type === 'union' && def.discriminator) return def.discriminator;
  }
  return undefined;
}

/** Every leaf field, as a path of keys (the branches of a union are all included). */
export function leafPaths(root: Schema, prefix: readonly string[] = []): string[][] {
  const fields = fieldsOf(root);
  if (!fields) return [[...prefix]];
  const out: string[][] = [];
  for (const [key, schemas] of fields) {
    const seen = new Set<string>();
    for (const schema of schemas) {
      for (const path of leafPaths(schema, [...prefix, key])) {
        const id = path.join('.');
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(path);
      }
    }
  }
  return out;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions: "prot" → "port" is 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i] as number[];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance === 0) continue;
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.min(3, Math.floor(Math.max(word.length, best.candidate.length) / 3)));
  return best.distance <= limit ? best.candidate : undefined;
}
