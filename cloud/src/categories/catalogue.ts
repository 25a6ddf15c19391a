import { CategoryCode, parentCode, type Severity } from '@gridlink/protocol';
import type { Db, Queryable } from '../db/db.js';
import { Category, type CategoryInput, type Limit, type LimitedStep, TimeLimitRule } from './schema.js';
import { CATEGORY_TAXONOMY_SEEDS, TIME_LIMIT_SEEDS } from './seeds.js';

/** Writes the audit record of a change inside its transaction, given what was there before and after. */
export type Audit<Before, After> = (tx: Queryable, before: Before, after: After) => Promise<void>;

/** A category edit the catalogue refuses, with the field and the reason. */
export class CategoryError extends Error {
  constructor(
    readonly code: 'GL_CATEGORY_INVALID' | 'GL_CATEGORY_PARENT_MISSING' | 'GL_CATEGORY_NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

interface CategoryRow {
  code: string;
  parent_code: string | null;
  level: number;
  name_zh: string;
  name_en: string;
  default_severity: Severity;
  unit_type: string | null;
  governance: boolean;
  urban_management_code: string | null;
  filing_condition: string;
  closing_condition: string;
  allowed_sources: string[];
  active: boolean;
}

export interface StoredCategory extends Category {
  parent: string | null;
  level: number;
}

const fromRow = (row: CategoryRow): StoredCategory => ({
  code: row.code,
  parent: row.parent_code,
  level: row.level,
  name: { zh: row.name_zh, en: row.name_en },
  default_severity: row.default_severity,
  ...(row.unit_type ? { unit_type: row.unit_type } : {}),
  governance: row.governance,
  ...(row.urban_management_code ? { urban_management_code: row.urban_management_code } : {}),
  filing_condition: row.filing_condition,
  closing_condition: row.closing_condition,
  allowed_sources: row.allowed_sources as Category['allowed_sources'],
  active: row.active,
});

/**
 * The tenant's category taxonomy and time limits, in the database: seeded once from docs/domain.md §6
 * (seeding never overwrites an administrator's edit), validated on every edit.
 */
export class CategoryCatalogue {
  constructor(private readonly db: Db) {}

  /** Adds the seed categories and limits that are missing; returns how many categories were added. */
  async seed(): Promise<number> {
    return this.db.transaction(async (tx) => {
      let added = 0;
      const byDepth = [...CATEGORY_TAXONOMY_SEEDS].sort((a, b) => a.code.split('.').length - b.code.split('.').length);
      for (const input of byDepth) added += await this.write(tx, Category.parse(input), 'DO NOTHING');
      for (const rule of TIME_LIMIT_SEEDS) await this.writeLimit(tx, rule, 'DO NOTHING');
      return added;
    });
  }

  /**
   * Creates or replaces a category; its parent (the code without its last level) must exist.
   * `audit` runs in the change's transaction with the category before (undefined: new) and after,
   * so the change and its audit record commit together.
   */
  async upsert(
    input: CategoryInput,
    audit?: Audit<StoredCategory | undefined, StoredCategory>,
  ): Promise<StoredCategory> {
    const parsed = Category.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CategoryError('GL_CATEGORY_INVALID', `${issue?.path.join('.') || 'category'}: ${issue?.message}`);
    }
    return this.db.transaction(async (tx) => {
      const before = await this.get(parsed.data.code, tx);
      await this.write(tx, parsed.data, 'DO UPDATE');
      const after = (await this.get(parsed.data.code, tx)) as StoredCategory;
      await audit?.(tx, before, after);
      return after;
    });
  }

  async get(code: string, q: Queryable = this.db): Promise<StoredCategory | undefined> {
    const { rows } = await q.query<CategoryRow>('SELECT * FROM categories WHERE code = $1', [code]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(): Promise<StoredCategory[]> {
    const { rows } = await this.db.query<CategoryRow>('SELECT * FROM categories ORDER BY code');
    return rows.map(fromRow);
  }

  /** Every time-limit rule, tenant defaults (`*`) first, then by category, severity and step. */
  async limits(q: Queryable = this.db): Promise<TimeLimitRule[]> {
    const { rows } = await q.query<{
      category_code: string;
      severity: string;
      step: LimitedStep;
      value: number;
      unit: Limit['unit'];
    }>(
      `SELECT category_code, severity, step, value, unit FROM category_time_limits
        ORDER BY category_code <> '*', category_code, severity <> '*', severity, step`,
    );
    return rows.map((row) => ({
      category: row.category_code,
      severity: row.severity as TimeLimitRule['severity'],
      step: row.step,
      limit: { value: Number(row.value), unit: row.unit },
    }));
  }

  /**
   * Removes one rule, so the next less specific one applies; false when there was none. The
   * tenant defaults (`*` × `*`) stay: every step needs a limit to fall back on.
   */
  async removeLimit(rule: Omit<TimeLimitRule, 'limit'>, audit?: Audit<Limit, null>): Promise<boolean> {
    if (rule.category === '*' && rule.severity === '*') {
      throw new CategoryError('GL_CATEGORY_INVALID', `the tenant default of step ${rule.step} cannot be removed`);
    }
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ value: number; unit: Limit['unit'] }>(
        `DELETE FROM category_time_limits WHERE category_code = $1 AND severity = $2 AND step = $3
         RETURNING value, unit`,
        [rule.category, rule.severity, rule.step],
      );
      const removed = rows[0];
      if (removed === undefined) return false;
      await audit?.(tx, { value: Number(removed.value), unit: removed.unit }, null);
      return true;
    });
  }

  /** Sets one rule; `audit` runs in its transaction with the rule's limit before (undefined: new) and after. */
  async setLimit(rule: TimeLimitRule, audit?: Audit<Limit | undefined, Limit>): Promise<void> {
    const parsed = TimeLimitRule.parse(rule);
    await this.db.transaction(async (tx) => {
      if (parsed.category !== '*' && !(await this.get(parsed.category, tx))) {
        throw new CategoryError('GL_CATEGORY_NOT_FOUND', `category ${parsed.category} does not exist`);
      }
      const same = (r: TimeLimitRule) =>
        r.category === parsed.category && r.severity === parsed.severity && r.step === parsed.step;
      const before = (await this.limits(tx)).find(same)?.limit;
      await this.writeLimit(tx, parsed, 'DO UPDATE');
      await audit?.(tx, before, parsed.limit);
    });
  }

  /**
   * The limit of a step for a category and severity: the most specific rule wins — this category
   * with this severity, then with any severity, then each parent category the same way, then the
   * tenant default (`*`).
   */
  async limitFor(code: string, severity: Severity, step: LimitedStep): Promise<Limit> {
    return (await this.limitsFor(code, severity, [step]))(step);
  }

  /**
   * {@link limitFor} for several steps in one read (a step's time limits read the clock it ended
   * and the one it started): the limit of each step asked for, or a refusal naming the step.
   */
  async limitsFor(
    code: string,
    severity: Severity,
    steps: readonly LimitedStep[],
  ): Promise<(step: LimitedStep) => Limit> {
    const chain: string[] = [];
    for (let at: string | undefined = code; at; at = parentCode(at)) chain.push(at);
    chain.push('*');
    const { rows } = await this.db.query<{
      step: LimitedStep;
      category_code: string;
      severity: string;
      value: number;
      unit: Limit['unit'];
    }>(
      `SELECT step, category_code, severity, value, unit FROM category_time_limits
       WHERE step = ANY($1::text[]) AND category_code = ANY($2::text[]) AND severity IN ($3, '*')`,
      [steps, chain, severity],
    );
    const rank = (row: { category_code: string; severity: string }) =>
      chain.indexOf(row.category_code) * 2 + (row.severity === '*' ? 1 : 0);
    const best = new Map<LimitedStep, (typeof rows)[number]>();
    for (const row of rows) {
      const found = best.get(row.step);
      if (found === undefined || rank(row) < rank(found)) best.set(row.step, row);
    }
    return (step) => {
      const found = best.get(step);
      if (!found)
        throw new CategoryError('GL_CATEGORY_NOT_FOUND', `no time limit for step ${step} (seed the catalogue)`);
      return { value: found.value, unit: found.unit };
    };
  }

  private async write(tx: Queryable, category: Category, onConflict: 'DO NOTHING' | 'DO UPDATE'): Promise<number> {
    const code = CategoryCode.parse(category.code);
    const parent = parentCode(code) ?? null;
    if (parent) {
      const { rows } = await tx.query('SELECT 1 FROM categories WHERE code = $1', [parent]);
      if (rows.length === 0) {
        throw new CategoryError('GL_CATEGORY_PARENT_MISSING', `${code}: its parent category ${parent} does not exist`);
      }
    }
    const update =
      onConflict === 'DO NOTHING'
        ? 'DO NOTHING'
        : `DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
             default_severity = excluded.default_severity, unit_type = excluded.unit_type,
             governance = excluded.governance, urban_management_code = excluded.urban_management_code,
             filing_condition = excluded.filing_condition, closing_condition = excluded.closing_condition,
             allowed_sources = excluded.allowed_sources, active = excluded.active, updated_at = now()`;
    const result = await tx.query(
      `INSERT INTO categories (code, parent_code, level, name_zh, name_en, default_severity, unit_type, governance,
         urban_management_code, filing_condition, closing_condition, allowed_sources, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)
       ON CONFLICT (code) ${update}`,
      [
        code,
        parent,
        code.split('.').length,
        category.name.zh,
        category.name.en,
        category.default_severity,
        category.unit_type ?? null,
        category.governance,
        category.urban_management_code ?? null,
        category.filing_condition,
        category.closing_condition,
        JSON.stringify(category.allowed_sources),
        category.active,
      ],
    );
    return result.rowCount;
  }

  private async writeLimit(tx: Queryable, rule: TimeLimitRule, onConflict: 'DO NOTHING' | 'DO UPDATE'): Promise<void> {
    await tx.query(
      `INSERT INTO category_time_limits (category_code, severity, step, value, unit) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (category_code, severity, step) ${
         onConflict === 'DO NOTHING' ? 'DO NOTHING' : 'DO UPDATE SET value = excluded.value, unit = excluded.unit'
       }`,
      [rule.category, rule.severity, rule.step, rule.limit.value, rule.limit.unit],
    );
  }
}
