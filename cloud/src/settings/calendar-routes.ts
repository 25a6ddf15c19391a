import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { DeadlineSettingsStore } from '../deadlines/settings-store.js';
import { fromDatabase } from '../http/database.js';
import { parameterFieldErrors } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateCaller, requireReader } from '../people/access.js';
import type { People } from '../people/people.js';
import { chineseCalendar } from '../time-limits/chinese-calendar.js';
import { SETTINGS_READERS } from './routes.js';

/** `GET /working-calendar/{year}`: the year's working calendar as the administration page draws it. */
export const WorkingCalendarYear = z.strictObject({
  year: z.int(),
  /** Whether the built-in statutory calendar holds this year's arrangement (else Monday–Friday is assumed). */
  covered: z.boolean(),
  /** The State Council's days off and make-up workdays (调休上班) of the year. */
  statutory: z.array(
    z.strictObject({
      date: z.string(),
      kind: z.enum(['holiday', 'workday']),
      name: z.strictObject({ zh: z.string(), en: z.string() }),
    }),
  ),
  /** The tenant's own days of the year (`time.days` of the deadline settings, which `PUT /settings/deadlines` edits). */
  tenant: z.strictObject({ holidays: z.array(z.string()), workdays: z.array(z.string()) }),
});
export type WorkingCalendarYear = z.infer<typeof WorkingCalendarYear>;

const Year = z
  .string()
  .regex(/^\d{4}$/)
  .transform(Number)
  .pipe(z.int().min(2000).max(2100));

/**
 * The statutory calendar is data of the chinese-days package the server already counts deadlines
 * with; the page asks for it rather than bundling the package, so both always agree.
 */
export function workingCalendarRoutes(ctx: { db: Db; clock: Clock; people: People; adminToken: string }): Router {
  const router = Router();
  const deadlines = new DeadlineSettingsStore(ctx.db, ctx.clock);
  router.get(
    '/working-calendar/:year',
    authenticateCaller(ctx.people, ctx.adminToken),
    requireReader('deadline_settings', ...SETTINGS_READERS.deadlines),
    async (req: Request<{ year: string }>, res: Response) => {
      const parsed = z.strictObject({ year: Year }).safeParse(req.params, { reportInput: true });
      if (!parsed.success)
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('calendar.year_invalid'),
          parameterFieldErrors(parsed.error.issues),
        );
      const { year } = parsed.data;
      const calendar = chineseCalendar();
      const { days } = (await fromDatabase(() => deadlines.get())).time;
      const inYear = (dates: readonly string[]) => dates.filter((date) => date.startsWith(`${year}-`)).sort();
      const answer: WorkingCalendarYear = {
        year,
        covered: year >= calendar.years.first && year <= calendar.years.last,
        statutory: calendar.arrangements(year).map(({ date, kind, occasion }) => {
          const [en = occasion, zh = en] = occasion.split(',');
          return { date, kind, name: { zh, en } };
        }),
        tenant: { holidays: inYear(days.holidays), workdays: inYear(days.workdays) },
      };
      res.json(answer);
    },
  );
  return router;
}
