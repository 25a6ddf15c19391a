import { parse } from 'libpg-query';
import type { Db, Queryable } from './db.js';
import { DISTRIBUTED_TABLES, DISTRICT_COLUMN, isDistributed } from './distribution.js';

/** A database that also records the text of every statement sent while `recording` is on. */
export function recordingDb(db: Db): Db & { recording: boolean; statements: string[] } {
  const statements: string[] = [];
  const recorded = { recording: false, statements };
  const note = (sql: string) => {
    if (recorded.recording) statements.push(sql);
  };
  const wrap = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      note(sql);
      return target.query(sql, params);
    },
    exec: (sql) => {
      note(sql);
      return target.exec(sql);
    },
  });
  const outer = wrap(db);
  return Object.assign(recorded, {
    backend: db.backend,
    query: outer.query,
    exec: outer.exec,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
    listen: db.listen.bind(db),
    close: () => db.close(),
  });
}

/** What one statement does with the distributed tables. */
export interface DistrictVerdict {
  /** The distributed tables it names (each once). */
  tables: string[];
  /** Distributed tables it reads, updates or deletes without pinning their district to one value. */
  unpinned: string[];
  /** Pairs of distributed tables it joins without an equal district between them ("a⋈b", sorted). */
  crossJoins: string[];
}

type Node = Record<string, unknown>;

interface Ref {
  table: string;
  name: string;
  /** Written rows whose district the statement names (an INSERT's column list), so pinned. */
  inserted: boolean;
}

/**
 * Checks one statement against the district layout, with PostgreSQL's own parser: every
 * distributed table in it must have its `district` equal to a parameter or constant (directly or
 * through `a.district = b.district` equalities, joined by AND), which is what lets Citus send
 * the whole statement to the one node holding that district. An INSERT pins the rows it writes by
 * naming `district` (or, for a generated district, its source column) in its column list.
 */
export async function districtVerdict(sql: string): Promise<DistrictVerdict> {
  const tree = (await parse(sql)) as { stmts: Array<{ stmt: Node }> };
  const refs: Ref[] = [];
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let at = key;
    while (parent.has(at) && parent.get(at) !== at) at = parent.get(at) as string;
    return at;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const PINNED = '#pinned';

  const districtOf = (node: unknown, scope: readonly Ref[]): string | undefined => {
    const fields = ((node as Node | undefined)?.ColumnRef as { fields?: Node[] } | undefined)?.fields;
    if (fields === undefined) return undefined;
    const names = fields.map((field) => (field.String as { sval?: string } | undefined)?.sval);
    if (names[names.length - 1] !== DISTRICT_COLUMN) return undefined;
    if (names.length === 1) {
      // Unqualified: the one distributed table of the nearest scope that has it.
      return scope.length === 1 ? `ref:${scope[0]?.name}` : undefined;
    }
    return `ref:${names[names.length - 2]}`;
  };
  const isValue = (node: unknown): boolean => {
    const value = node as Node | undefined;
    if (value === undefined) return false;
    if ('ParamRef' in value || 'A_Const' in value) return true;
    if ('TypeCast' in value) return isValue((value.TypeCast as Node).arg);
    return false;
  };

  /** Equalities joined by AND in `expr` (OR and NOT promise nothing for every row). */
  const equalities = (expr: unknown, scope: readonly Ref[]) => {
    const node = expr as Node | undefined;
    if (node === undefined || node === null) return;
    if ('BoolExpr' in node) {
      const bool = node.BoolExpr as { boolop: string; args: unknown[] };
      if (bool.boolop === 'AND_EXPR') for (const arg of bool.args) equalities(arg, scope);
      return;
    }
    if ('A_Expr' in node) {
      const a = node.A_Expr as { kind: string; name: Node[]; lexpr: unknown; rexpr: unknown };
      const op = (a.name?.[0]?.String as { sval?: string } | undefined)?.sval;
      if (a.kind !== 'AEXPR_OP' || op !== '=') return;
      const left = districtOf(a.lexpr, scope);
      const right = districtOf(a.rexpr, scope);
      if (left !== undefined && right !== undefined) union(left, right);
      else if (left !== undefined && isValue(a.rexpr)) union(left, PINNED);
      else if (right !== undefined && isValue(a.lexpr)) union(right, PINNED);
    }
  };

  /** The distributed tables a FROM item names directly, and the join conditions on the way. */
  const fromItems = (items: unknown[] | undefined, scope: Ref[], quals: unknown[]) => {
    for (const item of items ?? []) {
      const node = item as Node;
      if ('RangeVar' in node) {
        const range = node.RangeVar as { relname: string; alias?: { aliasname: string } };
        if (isDistributed(range.relname)) {
          const ref = { table: range.relname, name: range.alias?.aliasname ?? range.relname, inserted: false };
          scope.push(ref);
          refs.push(ref);
        }
      } else if ('JoinExpr' in node) {
        const join = node.JoinExpr as { larg: unknown; rarg: unknown; quals?: unknown };
        fromItems([join.larg, join.rarg], scope, quals);
        if (join.quals !== undefined) quals.push(join.quals);
      }
    }
  };

  /** Every statement and subquery in the tree, each in its own scope. */
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Node;
    const scope: Ref[] = [];
    const quals: unknown[] = [];
    if ('SelectStmt' in node) {
      const select = node.SelectStmt as { fromClause?: unknown[]; whereClause?: unknown };
      fromItems(select.fromClause, scope, quals);
      quals.push(select.whereClause);
    } else if ('UpdateStmt' in node || 'DeleteStmt' in node) {
      const statement = (node.UpdateStmt ?? node.DeleteStmt) as {
        relation: unknown;
        fromClause?: unknown[];
        usingClause?: unknown[];
        whereClause?: unknown;
      };
      fromItems(
        [{ RangeVar: statement.relation }, ...(statement.fromClause ?? statement.usingClause ?? [])],
        scope,
        quals,
      );
      quals.push(statement.whereClause);
    } else if ('InsertStmt' in node) {
      const insert = node.InsertStmt as {
        relation: { relname: string };
        cols?: Array<{ ResTarget: { name: string } }>;
      };
      const table = insert.relation.relname;
      if (isDistributed(table)) {
        const source = DISTRIBUTED_TABLES[table];
        const columns = new Set((insert.cols ?? []).map((col) => col.ResTarget.name));
        const named =
          'generated' in source
            ? source.generated.split(/[^a-z_]+/).some((column) => column !== 'coalesce' && columns.has(column))
            : columns.has(DISTRICT_COLUMN);
        refs.push({ table, name: `insert:${table}:${refs.length}`, inserted: named });
      }
    }
    for (const qual of quals) equalities(qual, scope);
    for (const child of Object.values(node)) visit(child);
  };
  visit(tree.stmts.map((entry) => entry.stmt));

  const pinned = (ref: Ref) => ref.inserted || find(`ref:${ref.name}`) === find(PINNED);
  const reads = refs.filter((ref) => !ref.name.startsWith('insert:') || !ref.inserted);
  const crossJoins = new Set<string>();
  for (const [index, a] of reads.entries()) {
    for (const b of reads.slice(index + 1)) {
      if (a.name.startsWith('insert:') || b.name.startsWith('insert:')) continue;
      const together = find(`ref:${a.name}`) === find(`ref:${b.name}`) || (pinned(a) && pinned(b));
      if (!together) crossJoins.add([a.table, b.table].sort().join('⋈'));
    }
  }
  return {
    tables: [...new Set(refs.map((ref) => ref.table))].sort(),
    unpinned: [...new Set(refs.filter((ref) => !pinned(ref)).map((ref) => ref.table))].sort(),
    crossJoins: [...crossJoins].sort(),
  };
}
