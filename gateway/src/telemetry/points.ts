import { type DeviceKind, profileOf } from '@gridlink/protocol';
import type { NormalisedMessage } from '../bus.js';
import { type FieldValue, integer, type TelemetryPoint } from './line-protocol.js';

/** Who is writing: the gateway's identity, the first two tags of every point. */
export interface PointContext {
  gateway: string;
  /** Used when a device has no place (yet); a placed device's own community wins. */
  community: string;
}

export const MEASUREMENTS = { state: 'sensor', event: 'event', availability: 'availability' } as const;

/**
 * Converts one validated device message into InfluxDB points (zero or one), following the
 * conventions: tags only for low-cardinality keys (gateway, community, device, device_type,
 * building, event_type); everything else is a field.
 *
 * Field rules, the same for state and event payloads:
 * - numbers are floats (never integers: a field that is `88` today and `88.5` tomorrow would be a
 *   field type conflict that InfluxDB rejects), booleans are booleans;
 * - strings become string fields only when the device profile declares them as a small enum
 *   (`door: open|closed`, `result: granted|denied`); free text and ids (credential references,
 *   licence plates, media references, fault text) are left out entirely: they are neither
 *   low-cardinality nor telemetry, and InfluxDB is not the place to keep them;
 * - events also get `count=1i`, so `SELECT sum(count)` counts them.
 *
 * Commands are not telemetry and produce no point. The timestamp is the event's `ts` when it has
 * a valid one, otherwise `receivedAt`.
 */
export function toPoints({ device, message, receivedAt }: NormalisedMessage, context: PointContext): TelemetryPoint[] {
  const tags: Record<string, string> = {
    gateway: context.gateway,
    community: device.place?.community ?? context.community,
    device: device.id,
    device_type: device.kind,
  };
  if (device.place?.building !== undefined) tags.building = device.place.building;

  switch (message.type) {
    case 'state': {
      const fields = scalarFields(message.state, enumFieldsOf(device.kind).state);
      return hasFields(fields) ? [{ measurement: MEASUREMENTS.state, tags, fields, timestamp: receivedAt }] : [];
    }
    case 'event': {
      const { ts, ...payload } = message.payload;
      const enums = enumFieldsOf(device.kind).events.get(message.eventType);
      const fields: Record<string, FieldValue> = { count: integer(1) };
      Object.assign(fields, scalarFields(payload, enums, ['count']));
      const eventTime = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
      return [
        {
          measurement: MEASUREMENTS.event,
          tags: { ...tags, event_type: message.eventType },
          fields,
          timestamp: Number.isFinite(eventTime) ? eventTime : receivedAt,
        },
      ];
    }
    case 'availability':
      return [
        {
          measurement: MEASUREMENTS.availability,
          tags,
          fields: { online: message.state === 'online' },
          timestamp: receivedAt,
        },
      ];
    case 'command':
      return [];
  }
}

function hasFields(fields: Record<string, FieldValue>): boolean {
  for (const _ in fields) return true;
  return false;
}

function scalarFields(
  values: Record<string, unknown>,
  enums: ReadonlySet<string> | undefined,
  reserved: readonly string[] = [],
): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  for (const key in values) {
    if (reserved.includes(key)) continue;
    const value = values[key];
    if (typeof value === 'number') {
      if (Number.isFinite(value)) fields[key] = value;
    } else if (typeof value === 'boolean') {
      fields[key] = value;
    } else if (typeof value === 'string' && enums?.has(key)) {
      fields[key] = value;
    }
  }
  return fields;
}

// --- which string fields are small enums, per device kind (from the profile, computed once) ----

interface EnumFields {
  state: ReadonlySet<string>;
  events: ReadonlyMap<string, ReadonlySet<string>>;
}

const enumCache = new Map<DeviceKind, EnumFields>();

function enumFieldsOf(kind: DeviceKind): EnumFields {
  let cached = enumCache.get(kind);
  if (cached === undefined) {
    const profile = profileOf(kind);
    cached = {
      state: enumNames(profile.state),
      events: new Map(Object.entries(profile.events).map(([type, spec]) => [type, enumNames(spec.fields)])),
    };
    enumCache.set(kind, cached);
  }
  return cached;
}

interface SchemaLike {
  _zod?: { def?: { type?: string; innerType?: SchemaLike } };
}

/** Field names whose zod schema is an enum, looking through `.optional()` / `.nullable()` / defaults. */
function enumNames(shape: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const [name, schema] of Object.entries(shape)) {
    let def = (schema as SchemaLike)._zod?.def;
    for (let depth = 0; def !== undefined && depth < 5; depth++) {
      if (def.type === 'enum') {
        names.add(name);
        break;
      }
      def = def.innerType?._zod?.def;
    }
  }
  return names;
}
