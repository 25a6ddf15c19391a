import { z } from 'zod';

/**
 * Building blocks for device profiles. Each field carries its unit and description as metadata,
 * so the same declaration yields validation, types, the JSON Schema export and UI labels.
 */

/** Units as they appear in profiles and exported schemas (UCUM-like, human-readable). */
export const UNITS = {
  percent: '%',
  percentLel: '%LEL',
  celsius: '°C',
  relativeHumidity: '%RH',
  kilopascal: 'kPa',
  litre: 'L',
  litrePerMinute: 'L/min',
  degree: '°',
  centimetre: 'cm',
  decibelMilliwatt: 'dBm',
  second: 's',
  byte: 'B',
  ratio: '1',
  count: '{count}',
  floor: '{floor}',
  dbPerMetre: 'dB/m',
} as const;
export type Unit = (typeof UNITS)[keyof typeof UNITS];

interface MeasureOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

/** A numeric quantity with a unit and bounds. */
export function measure(unit: Unit, description: string, options: MeasureOptions = {}) {
  let schema = options.integer ? z.int() : z.number();
  if (options.min !== undefined) schema = schema.min(options.min);
  if (options.max !== undefined) schema = schema.max(options.max);
  return schema.meta({ unit, description });
}

export function flag(description: string) {
  return z.boolean().meta({ description });
}

export function choice<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z.enum(values).meta({ description });
}

export function text(description: string, maxLength = 256) {
  return z.string().min(1).max(maxLength).meta({ description });
}

/**
 * A reference to evidence stored elsewhere (snapshot, clip): never the bytes themselves, so
 * events stay small and media can be access-controlled separately.
 */
export function mediaRef(description: string) {
  return z.string().min(1).max(512).meta({ description, format: 'uri-reference' });
}

/** Fields that many battery or radio devices share. */
export const common = {
  battery: measure(UNITS.percent, 'Remaining battery', { min: 0, max: 100 }),
  rssi: measure(UNITS.decibelMilliwatt, 'Received signal strength', { min: -150, max: 0 }),
  tamper: flag('Enclosure opened or device removed'),
  confidence: measure(UNITS.ratio, 'Analytics confidence from 0 to 1', { min: 0, max: 1 }),
} as const;
