import {
  type DeviceKind,
  DeviceKind as DeviceKindSchema,
  type FieldIssue,
  ProtocolValidationError,
  parseJsonObject,
  parseWith,
  profileOf,
} from '@gridlink/protocol';
import { z } from 'zod';

/** Where a field's value lies in a reading: `temp`, `body.sensors[0].t`, `3` (a register of an array). */
const ReadingPath = z.string().max(200);

/**
 * How one profile field is taken from a reading: a path, or a path with a linear conversion (a
 * Modbus register in tenths: `scale: 0.1`) or a table of values (a status code `1` → `open`).
 */
const FieldSource = z.preprocess(
  // A bare path is the short form of {from: path}.
  (value) => (typeof value === 'string' ? { from: value } : value),
  z.strictObject({
    from: ReadingPath,
    scale: z.number().optional(),
    offset: z.number().optional(),
    /** Raw value (as text) → the profile's value. */
    values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** A reading without this field is still a reading (the profile's state fields are all optional). */
    optional: z.boolean().optional(),
  }),
);
export type FieldSource = z.infer<typeof FieldSource>;

/** A node's mapping: profile field → where it comes from in the third party's reading. */
export const ReadingMapping = z.record(z.string(), FieldSource);
export type ReadingMapping = z.infer<typeof ReadingMapping>;

/** What the node publishes for a reading: the device's state, or one of its events. */
export type IngestTarget = { type: 'state' } | { type: 'event'; eventType: string };

export interface IngestSettings {
  kind: DeviceKind;
  target: IngestTarget;
  mapping: ReadingMapping;
  /** Where an event's time lies in the reading (ISO 8601 or epoch milliseconds); absent: when it arrives. */
  tsFrom?: string;
}

/**
 * The node's settings checked against the kind's profile at deploy: a mapped field the profile
 * does not have, an event type it does not know, a mapping that is no JSON object — each refused
 * with what the profile offers.
 */
export function ingestSettings(def: {
  kind?: string;
  message?: string;
  mapping?: string;
  tsFrom?: string;
}): { ok: true; settings: IngestSettings } | { ok: false; reason: string } {
  const kind = DeviceKindSchema.safeParse(def.kind);
  if (!kind.success)
    return { ok: false, reason: `kind ${JSON.stringify(def.kind ?? '')} is no device kind: choose one` };
  const profile = profileOf(kind.data);
  const message = def.message?.trim() || 'state';
  let target: IngestTarget;
  let fields: string[];
  if (message === 'state') {
    target = { type: 'state' };
    fields = Object.keys(profile.state);
  } else {
    const eventType = message.replace(/^event:/, '');
    const spec = (profile.events as Record<string, { fields: Record<string, unknown> }>)[eventType];
    if (!spec) {
      const known = Object.keys(profile.events);
      return {
        ok: false,
        reason: `message: a ${kind.data} has no event "${eventType}"; choose state${known.map((e) => `, event:${e}`).join('')}`,
      };
    }
    target = { type: 'event', eventType };
    fields = Object.keys(spec.fields);
  }
  const json = parseJsonObject(def.mapping?.trim() || '{}', 'mapping');
  if (!json.ok) return { ok: false, reason: `${json.error.message}: write it as {"field": "path in the reading"}` };
  const mapping = parseWith(ReadingMapping, json.value, 'mapping');
  if (!mapping.ok) return { ok: false, reason: mapping.error.message };
  const unknown = Object.keys(mapping.value).filter((field) => !fields.includes(field));
  if (unknown.length > 0) {
    return {
      ok: false,
      reason: `mapping: ${unknown.join(', ')} is not a field of the ${kind.data} ${target.type === 'state' ? 'state' : `event ${target.eventType}`}; its fields are ${fields.join(', ') || 'none'}`,
    };
  }
  if (target.type === 'state' && Object.keys(mapping.value).length === 0) {
    return { ok: false, reason: `mapping: map at least one of ${fields.join(', ')}` };
  }
  return {
    ok: true,
    settings: {
      kind: kind.data,
      target,
      mapping: mapping.value,
      ...(def.tsFrom?.trim() ? { tsFrom: def.tsFrom.trim() } : {}),
    },
  };
}

/** The steps of a path: `a.b[0]` and `a.b.0` are `a`, `b`, `0`. */
function stepsOf(path: string): string[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((step) => step !== '');
}

function valueAt(reading: unknown, path: string): unknown {
  let value: unknown = reading;
  for (const step of stepsOf(path)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/**
 * The profile fields of a reading under the mapping, converted; every field that cannot be taken
 * is named with its path and what was there. The result is then checked by the profile itself.
 */
export function applyMapping(
  settings: IngestSettings,
  reading: unknown,
  now: Date,
): { ok: true; fields: Record<string, unknown> } | { ok: false; error: ProtocolValidationError } {
  const fields: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [field, source] of Object.entries(settings.mapping)) {
    const spec = source;
    const raw = valueAt(reading, spec.from);
    const where = spec.from === '' ? 'the reading' : spec.from;
    if (raw === undefined || raw === null) {
      if (!spec.optional) issues.push({ path: field, expected: `a value at ${where}`, received: 'nothing' });
      continue;
    }
    let value: unknown = raw;
    if (spec.values) {
      const mapped = spec.values[String(raw)];
      if (mapped === undefined) {
        issues.push({
          path: field,
          expected: `one of ${Object.keys(spec.values).join(', ')} at ${where}`,
          received: shown(raw),
        });
        continue;
      }
      value = mapped;
    }
    if (spec.scale !== undefined || spec.offset !== undefined) {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) {
        issues.push({ path: field, expected: `a number at ${where}`, received: shown(value) });
        continue;
      }
      // Rounded to 6 decimals: 215 × 0.1 is 21.5, not 21.500000000000004.
      value = Math.round((number * (spec.scale ?? 1) + (spec.offset ?? 0)) * 1e6) / 1e6;
    }
    fields[field] = value;
  }
  if (settings.target.type === 'event') {
    const ts = settings.tsFrom === undefined ? now : timeOf(valueAt(reading, settings.tsFrom));
    if (ts === undefined) {
      issues.push({
        path: 'ts',
        expected: `an ISO 8601 time or epoch milliseconds at ${settings.tsFrom}`,
        received: shown(valueAt(reading, settings.tsFrom ?? '')),
      });
    } else {
      fields.ts = ts.toISOString();
    }
  }
  if (issues.length > 0) return { ok: false, error: new ProtocolValidationError('reading', issues) };
  return { ok: true, fields };
}

function timeOf(value: unknown): Date | undefined {
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
