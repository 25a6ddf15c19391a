/**
 * InfluxDB line protocol (1.x and 2.x): `measurement,tag=value field=value timestamp`.
 *
 * Escaping, as the InfluxDB parser reads it (verified against InfluxDB 1.6, see the tests):
 * - measurement: `,` and space are escaped with a backslash;
 * - tag keys, tag values and field keys: `,`, `=` and space are escaped with a backslash;
 * - string field values: wrapped in `"`, with `"` and `\` escaped; newlines and any other text
 *   (Chinese included) are written as they are, the parser keeps quoted newlines;
 * - newline, carriage return and tab cannot appear in names or tag values: they are written as
 *   the two characters `\n`, `\r`, `\t` (as the official InfluxDB clients do);
 * - a name or tag value cannot END with a backslash (the parser would read `\<separator>` as an
 *   escape), so trailing backslashes are removed. Backslashes elsewhere are kept as they are.
 *
 * Floats are written in JavaScript's shortest round-trip form (`21.5`, `88`, `1e+21`), integers
 * with the `i` suffix, booleans as `true`/`false`. Timestamps are integer milliseconds: every
 * write uses `precision=ms`.
 */

/** An integer field (`i` suffix on the wire); plain numbers are always floats. */
export interface IntegerField {
  readonly type: 'integer';
  readonly value: number;
}

export type FieldValue = number | boolean | string | IntegerField;

export interface TelemetryPoint {
  measurement: string;
  /** Written in this order; empty keys or values are left out (line protocol has no empty tags). */
  tags: Record<string, string>;
  /** Written in this order. */
  fields: Record<string, FieldValue>;
  /** Milliseconds since the epoch (UTC). */
  timestamp: number;
}

/** An integer field value, e.g. `count: integer(1)` → `count=1i`. */
export function integer(value: number): IntegerField {
  return { type: 'integer', value };
}

const NAME_CONTROL: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_SANITIZING = /[\\\n\r\t]/;
const NEEDS_KEY_ESCAPING = /[,= \\\n\r\t]/;
const NEEDS_MEASUREMENT_ESCAPING = /[, \\\n\r\t]/;

/**
 * The part of name escaping that is not about separators: trailing backslashes removed, newline,
 * carriage return and tab written as `\n`, `\r`, `\t`.
 */
export function sanitizeName(value: string): string {
  // Names are almost always plain: one test instead of two replacements (telemetry is per message).
  if (!NEEDS_SANITIZING.test(value)) return value;
  return value.replace(/\\+$/, '').replace(/[\n\r\t]/g, (char) => NAME_CONTROL[char] ?? char);
}

/** Escapes a measurement name (`,` and space; control characters; trailing backslashes removed). */
export function escapeMeasurement(value: string): string {
  if (!NEEDS_MEASUREMENT_ESCAPING.test(value)) return value;
  return sanitizeName(value).replace(/[, ]/g, (char) => `\\${char}`);
}

/** Escapes a tag key, tag value or field key (`,`, `=` and space; control characters; trailing `\`). */
export function escapeKey(value: string): string {
  if (!NEEDS_KEY_ESCAPING.test(value)) return value;
  return sanitizeName(value).replace(/[,= ]/g, (char) => `\\${char}`);
}

/** A string field value, quoted: `"` and `\` are escaped, everything else is kept. */
export function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

/**
 * The line-protocol text of one field value, or undefined if the value cannot be written
 * (NaN or infinite floats, integers outside the safe range).
 */
export function formatFieldValue(value: FieldValue): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return quoteString(value);
    default:
      return Number.isSafeInteger(value.value) ? `${value.value}i` : undefined;
  }
}

/** The escaped tag pairs of a point, without empty keys or values. */
export function formatTags(tags: Record<string, string>): Array<[key: string, value: string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(tags)) {
    const escapedKey = escapeKey(key);
    const escapedValue = escapeKey(value);
    if (escapedKey !== '' && escapedValue !== '') pairs.push([escapedKey, escapedValue]);
  }
  return pairs;
}

/** The escaped field pairs of a point, without fields that cannot be written. */
export function formatFields(fields: Record<string, FieldValue>): Array<[key: string, value: string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(fields)) {
    const escapedKey = escapeKey(key);
    const text = formatFieldValue(value);
    if (escapedKey !== '' && text !== undefined) pairs.push([escapedKey, text]);
  }
  return pairs;
}

/** The timestamp as integer milliseconds (fractions are truncated). */
export function formatTimestamp(timestamp: number): string {
  if (!Number.isFinite(timestamp)) throw new TypeError(`telemetry point timestamp is not a number: ${timestamp}`);
  return String(Math.trunc(timestamp));
}

/**
 * One line of line protocol, or undefined when the point has no field that can be written (a
 * line without fields is invalid). Throws only for a programming error: an empty measurement or
 * one starting with `#` (the parser would read the line as a comment), or a non-finite timestamp.
 */
export function toLineProtocol(point: TelemetryPoint): string | undefined {
  const measurement = escapeMeasurement(point.measurement);
  if (measurement === '' || measurement.startsWith('#')) {
    throw new TypeError(`invalid measurement name ${JSON.stringify(point.measurement)}`);
  }
  // Built in one pass, without pair arrays: every device message becomes a line.
  let fields = '';
  for (const key in point.fields) {
    const escapedKey = escapeKey(key);
    const text = formatFieldValue(point.fields[key] as FieldValue);
    if (escapedKey !== '' && text !== undefined) fields += `${fields === '' ? '' : ','}${escapedKey}=${text}`;
  }
  if (fields === '') return undefined;
  let line = measurement;
  for (const key in point.tags) {
    const escapedKey = escapeKey(key);
    const escapedValue = escapeKey(point.tags[key] as string);
    if (escapedKey !== '' && escapedValue !== '') line += `,${escapedKey}=${escapedValue}`;
  }
  return `${line} ${fields} ${formatTimestamp(point.timestamp)}`;
}

/** The lines of a batch, leaving out points with nothing to write. */
export function toLines(points: readonly TelemetryPoint[]): string[] {
  const lines: string[] = [];
  for (const point of points) {
    const line = toLineProtocol(point);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}
