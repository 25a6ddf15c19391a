import { CATEGORY_SEEDS } from '@gridlink/protocol';
import type { CategoryInput, TimeLimitRule } from './schema.js';

/**
 * Seed taxonomy: the codes the gateways' built-in rules use (protocol's CATEGORY_SEEDS), with
 * what the cloud adds — responsible unit types, filing and closing conditions — and two
 * urban-management items whose limits docs/domain.md §4 quotes. Administrators change all of it.
 */
const UNIT_TYPES: Record<string, string> = {
  emergency: 'fire_rescue',
  'emergency.gas_leak': 'gas_company',
  'emergency.elevator_trapped': 'elevator_maintenance',
  'urban_management.manhole_cover': 'cover_owner',
  urban_management: 'urban_management',
  safety: 'property_company',
  device_maintenance: 'property_company',
  special_population: 'civil_affairs',
  livelihood: 'property_company',
};

const CONDITIONS: Record<string, { filing: string; closing: string }> = {
  'urban_management.manhole_cover': {
    filing: 'A cover missing, broken or displaced on a public road or in the community.',
    closing: 'Cover replaced or fixed in place, with a photo after the repair.',
  },
  'emergency.gas_leak': {
    filing: 'Any gas alarm at or above the first-stage threshold, or a report of gas smell.',
    closing: 'Leak found and stopped by the gas company, concentration back to normal.',
  },
  'safety.fire_lane': {
    filing: 'A vehicle or object in a fire lane for more than 30 minutes, or 3 times in a day.',
    closing: 'The lane is clear, with a photo.',
  },
};

const unitTypeOf = (code: string): string | undefined => {
  for (let candidate: string | undefined = code; candidate; ) {
    const unit = UNIT_TYPES[candidate];
    if (unit) return unit;
    const cut = candidate.lastIndexOf('.');
    candidate = cut === -1 ? undefined : candidate.slice(0, cut);
  }
  return undefined;
};

export const CATEGORY_TAXONOMY_SEEDS: readonly CategoryInput[] = [
  ...CATEGORY_SEEDS.map((seed) => ({
    code: seed.code,
    name: seed.name,
    default_severity: seed.default_severity,
    governance: seed.governance,
    ...(seed.urban_management_code ? { urban_management_code: seed.urban_management_code } : {}),
    ...(unitTypeOf(seed.code) ? { unit_type: unitTypeOf(seed.code) } : {}),
    filing_condition: CONDITIONS[seed.code]?.filing ?? '',
    closing_condition: CONDITIONS[seed.code]?.closing ?? '',
  })),
  {
    code: 'urban_management.exposed_garbage',
    name: { zh: '暴露垃圾', en: 'Exposed garbage' },
    default_severity: 'minor',
    unit_type: 'sanitation',
    urban_management_code: '0101',
    allowed_sources: ['patrol', 'hotline_12345', 'iot'],
  },
  {
    code: 'urban_management.illegal_construction',
    name: { zh: '违法建设', en: 'Illegal construction' },
    default_severity: 'major',
    unit_type: 'urban_management',
    urban_management_code: '0301',
    allowed_sources: ['patrol', 'hotline_12345', 'petition', 'leader'],
  },
];

const rule = (
  category: string,
  severity: string,
  step: TimeLimitRule['step'],
  value: number,
  unit: TimeLimitRule['limit']['unit'],
) => ({ category, severity, step, limit: { value, unit } }) as TimeLimitRule;

/**
 * Seed limits. "(practice)" ones are published city practice quoted in docs/domain.md §4; the others are
 * our defaults, for an administrator to change.
 */
export const TIME_LIMIT_SEEDS: readonly TimeLimitRule[] = [
  rule('*', '*', 'file_dispatch', 30, 'natural_minutes'), // practice: normal ≤ 30 min
  rule('*', 'critical', 'file_dispatch', 10, 'natural_minutes'), // practice: urgent ≤ 10 min
  rule('*', '*', 'sign', 2, 'natural_hours'),
  rule('*', 'critical', 'sign', 15, 'natural_minutes'),
  rule('*', '*', 'handle', 5, 'working_days'),
  rule('*', '*', 'check', 1, 'natural_hours'), // practice: ≤ 1 h urban (2 h rural)
  rule('*', '*', 'close', 1, 'working_days'),
  rule('*', '*', 'callback', 3, 'working_days'),
  rule('*', '*', 'arrive', 1, 'natural_hours'),
  rule('*', 'critical', 'arrive', 15, 'natural_minutes'),
  rule('urban_management.manhole_cover', '*', 'handle', 2, 'natural_hours'), // practice
  rule('urban_management.exposed_garbage', '*', 'handle', 4, 'working_hours'), // practice
  rule('urban_management.illegal_construction', '*', 'handle', 15, 'working_days'), // practice
  rule('emergency', '*', 'handle', 4, 'natural_hours'),
];
