import { z } from 'zod';
import { Severity } from './severity.js';

/**
 * Category codes: 1-3 dot-separated snake_case levels (大类.小类.事项), e.g.
 * `emergency.fire.smoke_alarm`. The taxonomy itself is tenant data kept by the cloud; the
 * gateway only needs the code format and the seed codes its built-in rules refer to.
 */
export const CategoryCode = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,31}(\.[a-z][a-z0-9_]{0,31}){0,2}$/,
    'a category code is 1-3 dot-separated snake_case levels, e.g. emergency.fire.smoke_alarm',
  );
export type CategoryCode = z.infer<typeof CategoryCode>;

/** Digital urban-management crosswalk code (GB/T 30428: 2-digit class + 2-digit subclass). */
export const UrbanManagementCode = z.string().regex(/^\d{4}$/, 'an urban-management code is 4 digits, e.g. 0101');

export const CategorySeed = z.strictObject({
  code: CategoryCode,
  name: z.strictObject({ zh: z.string().min(1), en: z.string().min(1) }),
  default_severity: Severity,
  /** Whether this is a governance incident at all (device maintenance is not: property company). */
  governance: z.boolean(),
  urban_management_code: UrbanManagementCode.optional(),
});
export type CategorySeed = z.infer<typeof CategorySeed>;

const seed = (
  code: string,
  zh: string,
  en: string,
  default_severity: Severity,
  extra: { governance?: boolean; urban_management_code?: string } = {},
): CategorySeed => ({ code, name: { zh, en }, default_severity, governance: extra.governance ?? true, ...extra });

/** Seed taxonomy (docs/domain.md §6); the cloud copies it into tenant data, where administrators edit it. */
export const CATEGORY_SEEDS: readonly CategorySeed[] = [
  seed('dispute', '矛盾纠纷', 'Disputes', 'minor'),
  seed('safety', '治安·安全隐患', 'Public security and safety hazards', 'major'),
  seed('safety.fire_lane', '消防通道占用', 'Fire lane blocked', 'major', { urban_management_code: '0501' }),
  seed('safety.ebike_elevator', '电动车违规入梯', 'E-bike taken into an elevator', 'minor'),
  seed('safety.high_altitude_throwing', '高空抛物', 'Object thrown from height', 'major'),
  seed('safety.access', '门禁安全', 'Access-control security', 'minor'),
  seed('safety.access.door_forced', '门被强行打开', 'Door forced open', 'major'),
  seed('safety.access.door_held_open', '门长时间未关', 'Door held open', 'minor'),
  seed('safety.perimeter_intrusion', '周界入侵', 'Perimeter intrusion', 'major'),
  seed('safety.fire_water', '消防水压异常', 'Fire water pressure abnormal', 'major', { urban_management_code: '0101' }),
  seed('livelihood', '民生服务', 'Livelihood services', 'minor'),
  seed('livelihood.water_leak', '漏水', 'Water leak', 'minor'),
  seed('special_population', '特殊人群', 'Special populations', 'minor'),
  seed('special_population.elderly_welfare', '独居老人关爱', 'Elderly living alone: welfare check', 'major'),
  seed('special_population.emergency_call', '紧急呼叫', 'Emergency call button', 'critical'),
  seed('urban_management', '城市管理', 'Urban management', 'minor'),
  seed('urban_management.manhole_cover', '井盖缺失/移位', 'Manhole cover missing or displaced', 'critical', {
    urban_management_code: '0101',
  }),
  seed('environment', '生态环境', 'Environment', 'minor'),
  seed('emergency', '突发事件', 'Emergencies', 'critical', { urban_management_code: '0401' }),
  seed('emergency.fire', '火情', 'Fire', 'critical', { urban_management_code: '0401' }),
  seed('emergency.gas_leak', '燃气泄漏', 'Gas leak', 'critical', { urban_management_code: '0401' }),
  seed('emergency.elevator_trapped', '电梯困人', 'Passenger trapped in an elevator', 'critical'),
  seed('device_maintenance', '设备运维', 'Device maintenance', 'warning', { governance: false }),
  seed('device_maintenance.offline', '设备离线', 'Device offline', 'warning', { governance: false }),
  seed('device_maintenance.tamper', '设备被拆/遮挡', 'Device tampered with', 'minor', { governance: false }),
  seed('device_maintenance.low_battery', '电量低', 'Low battery', 'info', { governance: false }),
  seed('device_maintenance.fault', '设备故障', 'Device fault', 'warning', { governance: false }),
  seed('device_maintenance.gateway_offline', '网关离线', 'Gateway offline', 'warning', { governance: false }),
  seed('other', '其他', 'Other', 'minor'),
];

export function parentCode(code: CategoryCode): CategoryCode | undefined {
  const cut = code.lastIndexOf('.');
  return cut === -1 ? undefined : code.slice(0, cut);
}
