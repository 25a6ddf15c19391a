import { describe, expect, it } from 'vitest';
import { CategoryCatalogue } from '../categories/catalogue.js';
import { Deadlines } from '../deadlines/deadlines.js';
import { IncidentEngine } from '../incidents/engine.js';
import { manualClock, useMigratedDatabase } from '../test-support.js';
import { chinaMonth } from './months.js';

const HISTORY_MONTHS = 24;

/**
 * incident_steps keeps every month for good, so a step must not cost more the longer the cloud has
 * run: its reads, its numbering and its deadline visit only the months since its incident was
 * created. Counted by PostgreSQL's own index-scan statistics of the history's partitions, after
 * more than five runs of each statement (prepared statements then run on a generic plan, which
 * prunes only what it can when it starts). PostgreSQL only: the statistics and the planner are
 * what is checked. The KPI facts' refresh (a trigger of every step) still reads every month — known
 * work (docs/partitions.md): bounding it the same way made it slower on its generic plan — so its
 * triggers are off here, to count the step's own reads.
 */
describe('a step of a new incident beside years of step history (postgres)', () => {
  const db = useMigratedDatabase('postgres', { what: 'step history' });

  it('visits none of the history months: its reads, its numbering and its deadline', async () => {
    const clock = manualClock('2026-11-25T08:00:00.000Z');
    for (let back = 1; back <= HISTORY_MONTHS; back++)
      await db().query('SELECT ensure_month_partition($1, $2::date)', ['incident_steps', chinaMonth(clock(), -back)]);
    await new CategoryCatalogue(db()).seed();
    await db().exec(
      'ALTER TABLE incident_steps DISABLE TRIGGER incident_steps_kpi_facts_insert, DISABLE TRIGGER incident_steps_kpi_facts_update',
    );
    const engine = new IncidentEngine(db(), clock);
    const deadlines = new Deadlines(db(), engine, { clock, owner: 'step-history' });
    const scansOfHistory = async () => {
      // Statistics are flushed at the end of a transaction, at most once a second unless forced.
      await db().query('SELECT pg_stat_force_next_flush()');
      const { rows } = await db().query<{ scans: string }>(
        `SELECT coalesce(sum(s.idx_scan + s.seq_scan), 0) AS scans FROM pg_stat_user_tables AS s
          WHERE s.relname LIKE 'incident_steps_%' AND s.relname <> 'incident_steps_default'
            AND s.relname < $1`,
        [`incident_steps_${chinaMonth(clock()).slice(0, 7).replace('-', '')}`],
      );
      return Number(rows[0]?.scans);
    };
    const before = await scansOfHistory();
    const walk = [
      ['accept', 'operator'],
      ['file', 'operator'],
      ['dispatch', 'operator', { assignee: 'unit-1' }],
      ['sign', 'grid_worker'],
      ['finish', 'grid_worker'],
      ['startCheck', 'operator'],
      ['pass', 'operator'],
      ['close', 'operator'],
    ] as const;
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const { incident } = await engine.report({
        requestId: `history-${n}`,
        source: 'hotline_12345',
        category: 'urban_management.manhole_cover',
        severity: 'minor',
        title: 'Manhole cover missing',
        place: { community: '320803001001' },
        actor: 'op-li',
        role: 'operator',
      });
      for (const [action, role, data] of walk)
        await engine.transition({
          incidentId: incident.id,
          action,
          requestId: `history-${n}-${action}`,
          actor: role === 'operator' ? 'op-li' : 'unit-1',
          role,
          ...(data ? { data } : {}),
        });
      // A retried request finds its step again, as a repeat.
      expect(
        (
          await engine.transition({
            incidentId: incident.id,
            action: 'close',
            requestId: `history-${n}-close`,
            actor: 'op-li',
            role: 'operator',
          })
        ).repeated,
      ).toBe(true);
      ids.push(incident.id);
    }
    expect(await scansOfHistory()).toBe(before);
    // (Read after counting: a reader without the incident's creation time reads every month.)
    for (const id of ids) {
      const steps = await engine.steps(id);
      expect(steps.map((step) => step.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // Each step's deadline was recorded on it (the closing one: the callback's).
      expect(steps.filter((step) => step.deadline === null)).toEqual([]);
    }
    await deadlines.stop();
  });
});
