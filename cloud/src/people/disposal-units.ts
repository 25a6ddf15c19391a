import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { message } from '../i18n/message.js';
import { type Actor, writeAudit } from './audit.js';
import { isUniqueViolation, PeopleError } from './errors.js';

/** 责任单位: a department or company that receives dispatched work (docs/domain.md §1). */
export interface DisposalUnit {
  id: string;
  name_zh: string;
  name_en: string;
  /** Tenant data, e.g. `property_company`, `gas_company`, `fire_rescue`, `urban_management`, `civil_affairs`. */
  unit_type: string;
  /** The territory it serves. */
  territory_code: string;
  created_at: string;
}

export type NewDisposalUnit = Omit<DisposalUnit, 'created_at'>;
export type DisposalUnitChange = Partial<Pick<DisposalUnit, 'name_zh' | 'name_en' | 'unit_type'>>;

interface UnitRow extends Omit<DisposalUnit, 'created_at'> {
  created_at: Date;
}

const COLUMNS = 'id, name_zh, name_en, unit_type, territory_code, created_at';

export class DisposalUnitStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async create(actor: Actor, unit: NewDisposalUnit): Promise<DisposalUnit> {
    const now = this.clock();
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO disposal_units (id, name_zh, name_en, unit_type, territory_code, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [unit.id, unit.name_zh, unit.name_en, unit.unit_type, unit.territory_code, now],
        );
        await writeAudit(tx, {
          actor,
          action: 'disposal_unit.create',
          target: `disposal_unit:${unit.id}`,
          at: now,
          details: { ...unit },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new PeopleError('GL_DISPOSAL_UNIT_EXISTS', message('unit.exists', { id: unit.id }));
      throw err;
    }
    return { ...unit, created_at: now.toISOString() };
  }

  /** Renames or retypes a unit (its id and territory stay); audited with what it was before. */
  async update(actor: Actor, id: string, change: DisposalUnitChange): Promise<DisposalUnit | undefined> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<UnitRow>(`SELECT ${COLUMNS} FROM disposal_units WHERE id = $1 FOR UPDATE`, [id]);
      const row = rows[0];
      if (row === undefined) return undefined;
      const after = { ...toUnit(row), ...change };
      await tx.query('UPDATE disposal_units SET name_zh = $2, name_en = $3, unit_type = $4 WHERE id = $1', [
        id,
        after.name_zh,
        after.name_en,
        after.unit_type,
      ]);
      const shown = (unit: DisposalUnit) => ({
        name_zh: unit.name_zh,
        name_en: unit.name_en,
        unit_type: unit.unit_type,
      });
      await writeAudit(tx, {
        actor,
        action: 'disposal_unit.update',
        target: `disposal_unit:${id}`,
        at: now,
        details: { before: shown(toUnit(row)), after: shown(after) },
      });
      return after;
    });
  }

  async get(id: string): Promise<DisposalUnit | undefined> {
    const { rows } = await this.db.query<UnitRow>(`SELECT ${COLUMNS} FROM disposal_units WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toUnit(rows[0]);
  }

  /** Units serving a territory under one of `prefixes` (all units when undefined), by id. */
  async list(prefixes?: readonly string[]): Promise<DisposalUnit[]> {
    const { rows } =
      prefixes === undefined
        ? await this.db.query<UnitRow>(`SELECT ${COLUMNS} FROM disposal_units ORDER BY id`)
        : await this.db.query<UnitRow>(
            `SELECT ${COLUMNS} FROM disposal_units WHERE territory_code LIKE ANY ($1::text[]) ORDER BY id`,
            [prefixes.map((prefix) => `${prefix}%`)],
          );
    return rows.map(toUnit);
  }
}

function toUnit(row: UnitRow): DisposalUnit {
  return { ...row, created_at: row.created_at.toISOString() };
}
