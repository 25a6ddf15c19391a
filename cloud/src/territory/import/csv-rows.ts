import { parse } from 'csv-parse/sync';
import { importProblem } from './problems.js';
import type { TerritoryImportProblem } from './schemas.js';

/** A column of an import CSV: its name, and the headings a Chinese sheet may use for it. */
export interface CsvColumn {
  name: string;
  aliases: readonly string[];
  required: boolean;
}

/** One data line: its line number in the file (the header is line 1) and its cells by column name. */
export interface CsvRow {
  line: number;
  cells: Record<string, string>;
}

const heading = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, '');

/**
 * The data lines of a CSV whose first line names the columns (in English or Chinese, any order,
 * others ignored), parsed by csv-parse (quotes, commas and line breaks in cells). A missing
 * required column or an unreadable file is a problem and gives no rows.
 */
export function readCsvRows(
  text: string,
  columns: readonly CsvColumn[],
): { rows: CsvRow[]; problems: TerritoryImportProblem[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as Array<{
      record: string[];
      info: { lines: number };
    }>;
  } catch (err) {
    return {
      rows: [],
      problems: [importProblem('csv_unreadable', {}, { detail: (err as Error).message.slice(0, 200) })],
    };
  }
  const [header, ...data] = records;
  if (header === undefined) return { rows: [], problems: [importProblem('empty', {})] };
  const positions = new Map<string, number>();
  const missing: string[] = [];
  for (const column of columns) {
    const names = [column.name, ...column.aliases].map(heading);
    const index = header.record.findIndex((cell) => names.includes(heading(cell)));
    if (index >= 0) positions.set(column.name, index);
    else if (column.required) missing.push(column.name);
  }
  if (missing.length > 0) {
    const all = columns.map((c) => c.name).join(', ');
    return {
      rows: [],
      problems: missing.map((column) =>
        importProblem('column_missing', { line: 1, field: column }, { column, columns: all }),
      ),
    };
  }
  const rows = data.map(({ record, info }) => {
    const cells: Record<string, string> = {};
    for (const [name, index] of positions) cells[name] = record[index] ?? '';
    return { line: info.lines, cells };
  });
  if (rows.length === 0) return { rows, problems: [importProblem('empty', {})] };
  return { rows, problems: [] };
}
