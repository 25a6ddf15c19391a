import { type DeviceKind, type Names, profileOf } from '@gridlink/protocol';
import { z } from 'zod';

/** One input of a command form, from the profile's field schema. */
export interface CommandField {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean';
  required: boolean;
  /** The allowed values of a choice. */
  options?: string[];
  minimum?: number;
  maximum?: number;
  unit?: string;
  description?: string;
}

/** A command the device's profile accepts, as a form the console draws. */
export interface CommandForm {
  command: string;
  name: Names;
  fields: CommandField[];
  /** The profile's example payload: the form's starting values. */
  example?: Record<string, unknown>;
}

interface JsonProperty {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  unit?: string;
  description?: string;
}

/**
 * The commands a kind accepts, as forms: the profile is the one source, so a command the profile
 * gains shows in the console with no page change. The server still validates what comes back.
 */
export function commandForms(kind: DeviceKind): CommandForm[] {
  const profile = profileOf(kind);
  const schemas = profile.schemas.commands as Record<string, z.ZodType>;
  const examples = profile.examples.commands as Record<string, Array<Record<string, unknown>> | undefined>;
  return Object.entries(profile.commands as Record<string, { name: Names }>).map(([command, spec]) => {
    const schema = z.toJSONSchema(schemas[command] as z.ZodType, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, JsonProperty>;
      required?: string[];
    };
    const fields = Object.entries(schema.properties ?? {}).map(([name, property]): CommandField => {
      const type = property.enum ? 'string' : property.type;
      return {
        name,
        type: type === 'number' || type === 'integer' || type === 'boolean' ? type : 'string',
        required: schema.required?.includes(name) ?? false,
        ...(property.enum ? { options: property.enum.map(String) } : {}),
        ...(property.minimum !== undefined ? { minimum: property.minimum } : {}),
        ...(property.maximum !== undefined ? { maximum: property.maximum } : {}),
        ...(property.unit !== undefined ? { unit: property.unit } : {}),
        ...(property.description !== undefined ? { description: property.description } : {}),
      };
    });
    const example = examples[command]?.[0];
    return { command, name: spec.name, fields, ...(example ? { example } : {}) };
  });
}
