import { deviceProfiles } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_BROKER_LIMITS } from './broker.js';

/**
 * The longest JSON a value of this (JSON) schema can be: strings at their maxLength with every
 * character escaped (\uXXXX), numbers at 24 characters. Unbounded parts count as Infinity, except
 * timestamps (a fixed ISO format).
 */
function longestJson(schema: Record<string, unknown>): number {
  const alternatives = (schema.anyOf ?? schema.oneOf) as Array<Record<string, unknown>> | undefined;
  if (alternatives) return Math.max(...alternatives.map(longestJson));
  if (Array.isArray(schema.enum)) return Math.max(...schema.enum.map((value) => JSON.stringify(value).length));
  if (schema.const !== undefined) return JSON.stringify(schema.const).length;
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return 2 + 64;
      return 2 + 6 * ((schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY);
    case 'number':
    case 'integer':
      return 24;
    case 'boolean':
      return 5;
    case 'object': {
      if (schema.additionalProperties !== false) return Number.POSITIVE_INFINITY;
      const properties = Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>);
      return (
        2 + properties.reduce((sum, [name, value]) => sum + JSON.stringify(name).length + 2 + longestJson(value), 0)
      );
    }
    default:
      return Number.POSITIVE_INFINITY;
  }
}

describe('max_device_packet_bytes', () => {
  it('holds the largest valid message of every device profile, with room for its topic', () => {
    const TOPIC_AND_HEADER = 256; // `gridlink/<device id>/event/<type>` and the MQTT header
    for (const [kind, profile] of Object.entries(deviceProfiles)) {
      const schemas = { state: profile.schemas.state, ...profile.schemas.events } as Record<string, z.ZodType>;
      for (const [name, schema] of Object.entries(schemas)) {
        const longest = longestJson(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as never);
        expect(longest + TOPIC_AND_HEADER, `${kind} ${name}`).toBeLessThan(
          DEFAULT_BROKER_LIMITS.max_device_packet_bytes,
        );
      }
    }
  });
});
