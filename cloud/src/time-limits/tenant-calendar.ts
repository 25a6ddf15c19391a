import { z } from 'zod';
import { message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { WorkCalendar } from './calendar.js';
import { CivilDateSchema } from './civil-date.js';

/**
 * A tenant's own days, on top of the statutory calendar: a local holiday (a city's founding day, a
 * day off for a typhoon) or an extra workday. Data that an administrator edits.
 */
export const TenantDays = z
  .strictObject({
    holidays: z.array(CivilDateSchema).default([]),
    workdays: z.array(CivilDateSchema).default([]),
  })
  .superRefine((days, ctx) => {
    const holidays = new Set(days.holidays);
    days.workdays.forEach((date, index) => {
      if (holidays.has(date)) {
        const said = message('rule.workday_is_holiday', { date });
        ctx.addIssue({ code: 'custom', path: ['workdays', index], message: render(said, 'en'), params: { said } });
      }
    });
  });
export type TenantDays = z.infer<typeof TenantDays>;
export type TenantDaysInput = z.input<typeof TenantDays>;

/** `base` with the tenant's days: a tenant holiday or workday wins over the base calendar. */
export function withTenantDays(base: WorkCalendar, days: TenantDaysInput): WorkCalendar {
  const parsed = TenantDays.parse(days);
  const holidays = new Set(parsed.holidays);
  const workdays = new Set(parsed.workdays);
  if (holidays.size === 0 && workdays.size === 0) return base;
  return {
    isWorkday: (date) => workdays.has(date) || (!holidays.has(date) && base.isWorkday(date)),
    covers: (date) => holidays.has(date) || workdays.has(date) || base.covers(date),
  };
}
