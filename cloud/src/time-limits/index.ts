export { type WorkCalendar, weekdayCalendar } from './calendar.js';
export { type ChineseCalendar, chineseCalendar, type StatutoryDay } from './chinese-calendar.js';
export { type CivilDate, CivilDateSchema } from './civil-date.js';
export type { Pause } from './counting.js';
export { deadline, deadlineWithPauses, elapsed } from './deadline.js';
export {
  type LightReading,
  LightThresholds,
  type LightThresholdsInput,
  light,
  type TrafficLight,
} from './light.js';
export { effectiveLimit, extend, TimeLimit, TimeLimitUnit } from './limits.js';
export { TenantDays, type TenantDaysInput, withTenantDays } from './tenant-calendar.js';
export {
  DEFAULT_WORKING_HOURS,
  TenantTimeSettings,
  type TenantTimeSettingsInput,
  type TimeContext,
  timeContext,
  WorkingHours,
  WorkPeriod,
} from './time-context.js';
