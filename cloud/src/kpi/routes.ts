import { IncidentSource } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { bodyFieldErrors } from '../http/field-errors.js';
import { languageOfRequest } from '../http/language.js';
import { ProblemError } from '../http/problems.js';
import type { Language } from '../i18n/message.js';
import { message } from '../i18n/message.js';
import { patrolKpis, patrolKpisTable } from '../patrol/kpis.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { Principal } from '../people/scope.js';
import type { PersonalDataSeal } from '../privacy/seal.js';
import { type Assessment, AssessmentParams, assessment, monthPeriod } from './assessment.js';
import { assessmentXlsx } from './assessment-xlsx.js';
import { KpiPolicy } from './compute.js';
import { KPI_DEFINITIONS } from './definitions.js';
import { KPI_GROUPS, KpiGroupBy, kpiGroupNames, territoryNames } from './query.js';
import { csvFile, type ReportRow, reportCsv } from './report.js';
import { reportXlsx } from './report-xlsx.js';
import { grantedGroups, kpiScope, patrolPrefixes, shownGroups } from './scope.js';

/** A day (China midnight, as assessment periods are cut) or an instant with its offset. */
const Instant = z.union([
  z.iso.date().transform((day) => new Date(`${day}T00:00:00+08:00`)),
  z.iso.datetime({ offset: true }).transform((text) => new Date(text)),
]);

const TerritoryCode = z.string().regex(/^\d{6}(\d{3}){0,3}$/, 'a district, street, community or grid code');

const KpiQueryParams = z
  .strictObject({
    from: Instant,
    to: Instant,
    group_by: KpiGroupBy.default('grid'),
    territory: TerritoryCode.optional(),
    /** Per channel: only incidents reported through this source (hotline, patrol, iot…). */
    source: IncidentSource.optional(),
  })
  .refine((q) => q.to > q.from, { message: 'to must be after from', path: ['to'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 366 * 86_400_000, {
    message: 'a period is at most a year',
    path: ['to'],
  });

const PatrolKpiParams = z
  .strictObject({ from: Instant, to: Instant, territory: TerritoryCode.optional() })
  .refine((q) => q.to > q.from, { message: 'to must be after from', path: ['to'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 366 * 86_400_000, {
    message: 'a period is at most a year',
    path: ['to'],
  });

const ReportParams = z.strictObject({
  from: Instant,
  to: Instant,
  group_by: KpiGroupBy.optional(),
  territory: TerritoryCode.optional(),
});

function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const parsed = schema.safeParse(req.query, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ProblemError(
    'GL_VALIDATION_FAILED',
    message('request.query_invalid'),
    bodyFieldErrors(parsed.error.issues),
  );
}

/**
 * KPIs for people (docs/domain.md §5), computed from step records: `GET /kpis` as JSON, and the monthly
 * assessment report as CSV or XLSX. A caller sees only groups inside their scope ({@link kpiScope}):
 * a territory group (district, street, community, grid) when it lies wholly inside it, worker and
 * unit groups counted over the incidents inside it — a grid worker only their own row, a disposal
 * unit only its own.
 */
export function kpiRoutes(
  db: Db,
  clock: Clock,
  people: People,
  /** Opens the patrols' sealed tracks for the patrol sheet's metres. */
  trackSeal: PersonalDataSeal,
  /** The tenant's KPI settings, read for every request (table `kpi_settings`). */
  policyOf: () => Promise<KpiPolicy> = async () => KpiPolicy.parse({}),
): Router {
  const router = Router();
  router.use('/kpis', authenticateUser(people));

  const groups = async (
    principal: Principal,
    query: { from: Date; to: Date; territory?: string | undefined; source?: string | undefined },
    groupBy: KpiGroupBy,
    language: Language,
  ): Promise<ReportRow[]> => {
    const grants = kpiScope(principal, query.territory);
    const policy = await fromDatabase(policyOf);
    const shown = shownGroups(
      await fromDatabase(() =>
        grantedGroups(db, grants, { from: query.from, to: query.to, groupBy, policy, source: query.source }),
      ),
    );
    const names = await fromDatabase(() =>
      kpiGroupNames(
        db,
        groupBy,
        shown.map((group) => group.key),
        language,
      ),
    );
    return shown.map((group) => ({
      level: groupBy,
      code: group.key,
      name: names.get(group.key) ?? group.key,
      report: group.report,
    }));
  };

  const audit = (principal: Principal, action: string, details: Record<string, unknown>) =>
    fromDatabase(() =>
      writeAudit(db, {
        actor: { kind: 'user', userId: principal.userId },
        action,
        target: 'kpis',
        details,
        at: clock(),
      }),
    );

  router.get('/kpis', async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const query = parseQuery(KpiQueryParams, req);
    const rows = await groups(principal, query, query.group_by, languageOfRequest(req));
    res.json({
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      group_by: query.group_by,
      territory: query.territory ?? null,
      source: query.source ?? null,
      definitions: KPI_DEFINITIONS.map((d) => ({
        code: d.code,
        name: d.name,
        numerator: d.numerator,
        denominator: d.denominator,
      })),
      groups: rows.map((row) => ({
        key: row.code,
        name: row.name,
        counts: row.report.counts,
        rates: row.report.rates,
        composite: row.report.composite,
      })),
    });
  });

  const reportRows = async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const query = parseQuery(ReportParams, req);
    if (query.to <= query.from) throw new ProblemError('GL_VALIDATION_FAILED', message('check.to_after_from'));
    const levels = query.group_by ? [query.group_by] : KPI_GROUPS;
    const rows: ReportRow[] = [];
    for (const level of levels) rows.push(...(await groups(principal, query, level, languageOfRequest(req))));
    return { principal, query, rows };
  };
  const fileName = (query: { from: Date; territory?: string | undefined }, ext: string) =>
    `kpi-${query.territory ?? 'scope'}-${new Date(query.from.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)}.${ext}`;

  router.get('/kpis/report.csv', async (req: Request, res: Response) => {
    const { principal, query, rows } = await reportRows(req, res);
    await audit(principal, 'kpi.report', { format: 'csv', from: query.from, to: query.to, rows: rows.length });
    res
      .type('text/csv; charset=utf-8')
      .set('content-disposition', `attachment; filename="${fileName(query, 'csv')}"`)
      .send(reportCsv(rows, languageOfRequest(req)));
  });

  router.get('/kpis/report.xlsx', async (req: Request, res: Response) => {
    const { principal, query, rows } = await reportRows(req, res);
    await audit(principal, 'kpi.report', { format: 'xlsx', from: query.from, to: query.to, rows: rows.length });
    res
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .set('content-disposition', `attachment; filename="${fileName(query, 'xlsx')}"`)
      .send(await reportXlsx(rows, { from: query.from, to: query.to, language: languageOfRequest(req) }));
  });

  // The monthly assessment (考核): scores, places among peers and six-month trends, as JSON and XLSX.
  const assessed = async (req: Request, res: Response): Promise<Assessment> => {
    const principal = principalOf(res);
    const query = parseQuery(AssessmentParams, req);
    const language = languageOfRequest(req);
    const grants = kpiScope(principal, query.within);
    const policy = await fromDatabase(policyOf);
    const { months, rows } = await fromDatabase(() =>
      assessment(db, grants, { month: query.month, level: query.level, policy, language }),
    );
    const { from, to } = monthPeriod(query.month);
    const district = principal.territoryCode.slice(0, 6);
    const scopeCodes = query.within ? [query.within] : grants.flatMap((grant) => grant.prefixes ?? []);
    const places = await fromDatabase(() => territoryNames(db, [district, ...scopeCodes], language));
    // A disposal unit's scope is itself, wherever it works.
    const units = scopeCodes.length === 0 ? grants.flatMap((grant) => grant.ownKeys.unit ?? []) : [];
    const unitNames = await fromDatabase(() => kpiGroupNames(db, 'unit', units, language));
    const scopeName = [
      ...scopeCodes.map((code) => places.get(code) ?? code),
      ...units.map((unit) => unitNames.get(unit) ?? unit),
    ].join('、');
    return {
      month: query.month,
      level: query.level,
      within: query.within ?? null,
      scope_name: scopeName,
      tenant_name: places.get(district) ?? district,
      from: from.toISOString(),
      to: to.toISOString(),
      months,
      weights: policy.weights,
      definitions: KPI_DEFINITIONS.map((d) => ({
        code: d.code,
        name: d.name,
        lower_is_better: d.lowerIsBetter === true,
      })),
      rows,
    };
  };
  router.get('/kpis/assessment', async (req: Request, res: Response) => {
    res.json(await assessed(req, res));
  });
  router.get('/kpis/assessment.xlsx', async (req: Request, res: Response) => {
    const answer = await assessed(req, res);
    await audit(principalOf(res), 'kpi.assessment', {
      format: 'xlsx',
      month: answer.month,
      level: answer.level,
      rows: answer.rows.length,
    });
    res
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .set(
        'content-disposition',
        `attachment; filename="assessment-${answer.level}-${answer.within ?? 'scope'}-${answer.month}.xlsx"`,
      )
      .send(await assessmentXlsx(answer, languageOfRequest(req)));
  });

  // Patrol KPIs (巡查考核) per worker and grid: rounds, checkpoints, metres, reports, arrivals.
  const patrol = async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const query = parseQuery(PatrolKpiParams, req);
    const territoryPrefixes = patrolPrefixes(kpiScope(principal, query.territory));
    if (territoryPrefixes.length === 0)
      throw new ProblemError(
        'GL_FORBIDDEN',
        message('kpi.needs_role', { roles: ['district_admin', 'operator', 'grid_worker'] }),
      );
    const kpis = await fromDatabase(() =>
      patrolKpis(db, clock, trackSeal, { from: query.from, to: query.to, territoryPrefixes }),
    );
    return { principal, query, kpis };
  };
  router.get('/kpis/patrol', async (req: Request, res: Response) => {
    res.json((await patrol(req, res)).kpis);
  });
  router.get('/kpis/patrol.csv', async (req: Request, res: Response) => {
    const { principal, query, kpis } = await patrol(req, res);
    await audit(principal, 'kpi.patrol_report', {
      format: 'csv',
      from: query.from,
      to: query.to,
      rows: kpis.workers.length,
    });
    res
      .type('text/csv; charset=utf-8')
      .set('content-disposition', `attachment; filename="${fileName(query, 'csv').replace(/^kpi-/, 'patrol-kpi-')}"`)
      .send(csvFile(patrolKpisTable(kpis, languageOfRequest(req))));
  });

  return router;
}
