import type { Queryable } from './db.js';

/**
 * Several data-modifying CTEs sent as one statement: a batch's writes to several tables cost one
 * round trip, while each table's module writes its own part.
 */
export class WriteStatement {
  private readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** A parameter of the statement, cast to `type`. */
  param(value: unknown, type: string): string {
    this.params.push(value);
    return `$${this.params.length}::${type}`;
  }

  /** A data-modifying CTE named `name`. */
  add(name: string, sql: string): void {
    this.parts.push(`${name} AS (${sql})`);
  }

  /** Sends the parts (nothing when there are none). */
  async run(tx: Queryable): Promise<void> {
    if (this.parts.length > 0) await tx.query(`WITH ${this.parts.join(',\n')}\nSELECT 1 AS written`, this.params);
  }
}
