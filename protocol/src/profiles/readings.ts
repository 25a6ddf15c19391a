import { z } from 'zod';
import type { Names } from './define.js';
import { type DeviceKind, profileOf } from './index.js';

/**
 * The names people read for the numeric state fields of the profiles, for charts of a device's
 * readings. Keyed by field name: a field means the same in every profile that has it. A profile
 * adding a numeric field adds its name here (readings.test.ts checks every one has a name).
 */
export const READING_NAMES: Record<string, Names> = {
  temperature: { zh: '温度', en: 'Temperature' },
  humidity: { zh: '湿度', en: 'Humidity' },
  pressure: { zh: '水压', en: 'Water pressure' },
  water_level: { zh: '水位', en: 'Water level' },
  gas_lel: { zh: '燃气浓度', en: 'Gas concentration' },
  smoke_density: { zh: '烟雾浓度', en: 'Smoke density' },
  tilt: { zh: '井盖倾角', en: 'Cover tilt' },
  total_volume: { zh: '累计用水量', en: 'Total volume' },
  flow_rate: { zh: '瞬时流量', en: 'Flow rate' },
  floor: { zh: '楼层', en: 'Floor' },
  vehicles: { zh: '车辆数', en: 'Vehicles' },
  uptime_s: { zh: '运行时长', en: 'Uptime' },
  clients: { zh: '连接数', en: 'Clients' },
  outbox_depth: { zh: '待发事件', en: 'Events waiting' },
  disk_free: { zh: '磁盘剩余', en: 'Free disk' },
};

/** Battery and signal are the device's health, charted from the health summaries instead. */
const HEALTH_FIELDS = new Set(['battery', 'rssi']);

export interface ReadingField {
  field: string;
  name: Names;
  /** As the profile declares it (`°C`, `kPa`, `%LEL`…). */
  unit: string;
}

/** The numeric state fields of a kind that are readings (not battery or signal), in profile order. */
export function readingFields(kind: DeviceKind): ReadingField[] {
  const shape = profileOf(kind).schemas.state.shape as Record<string, z.ZodType>;
  const fields: ReadingField[] = [];
  for (const [field, schema] of Object.entries(shape)) {
    const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
    if (!(inner instanceof z.ZodNumber) || HEALTH_FIELDS.has(field)) continue;
    const unit = (inner.meta() as { unit?: string } | undefined)?.unit ?? '';
    fields.push({ field, name: READING_NAMES[field] ?? { zh: field, en: field }, unit });
  }
  return fields;
}
