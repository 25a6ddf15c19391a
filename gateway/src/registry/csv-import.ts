import { closest } from '@gridlink/protocol';
import { CsvSyntaxError, csvLine, parseCsv } from './csv.js';
import { checkDeviceInput, DEVICE_INPUT_FIELDS, type DeviceInputField } from './device-input.js';
import { type DeviceRegistry, type DeviceSpec, type IssuedDevice, RegistryError } from './registry.js';

/**
 * Bulk onboarding from a spreadsheet: header `id,kind,community,grid,building,unit,floor,room,notes,tags`
 * (any order; only id and kind are required columns). `tags` holds the device's installer tags
 * separated by `;` (`elderly_alone;floor_low`), or nothing. Every row is validated before anything is
 * written; one bad row refuses the whole file, and every bad row is reported as
 * `line N: field: message`. On success each device's generated password is returned, once.
 */
export interface ImportOptions {
  /** Community for rows that leave it empty (usually the gateway's own). */
  defaultCommunity?: string;
}

const REQUIRED: readonly DeviceInputField[] = ['id', 'kind'];
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
/** Between tags in the `tags` column (a comma would split the CSV field). */
export const TAG_SEPARATOR = ';';

/**
 * One problem with an import file: the line it is on (the header is line 1), the column when it is
 * one cell's, a code a page can translate (`invalid`, `duplicate`…) and the exact message.
 */
export interface CsvIssue {
  line: number;
  column?: DeviceInputField;
  code: CsvIssueCode;
  message: string;
}

export type CsvIssueCode = 'syntax' | 'header' | 'empty' | 'fields' | 'invalid' | 'tags' | 'duplicate' | 'taken';

/** What an import file would do: every row's problems, and the devices it would add when there are none. */
export interface CsvPreview {
  /** Device rows below the header. */
  rows: number;
  /** Rows with at least one problem. */
  badRows: number;
  issues: CsvIssue[];
  /** The validated devices, in file order (all rows, or none when any row has a problem). */
  devices: DeviceSpec[];
}

/** `line N: column: message`, as the CLI prints an issue. */
export function formatCsvIssue(issue: CsvIssue): string {
  return `line ${issue.line}: ${issue.column ? `${issue.column}: ` : ''}${issue.message}`;
}

/**
 * Checks a whole file without writing anything: every bad row of every kind is reported, not only
 * the first. The console shows this before an installer applies the import; `importDevicesCsv`
 * runs the same checks again before it writes.
 */
export function previewDevicesCsv(registry: DeviceRegistry, csvText: string, options: ImportOptions = {}): CsvPreview {
  const refused = (issues: CsvIssue[], rows = 0): CsvPreview => ({ rows, badRows: rows, issues, devices: [] });
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(csvText);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return refused([{ line: err.line, code: 'syntax', message: err.reason }]);
    throw err;
  }

  const [header, ...rows] = records;
  if (!header) {
    return refused([
      { line: 1, code: 'empty', message: `the file is empty; expected a header like ${DEVICE_INPUT_FIELDS.join(',')}` },
    ]);
  }
  const columns = readHeader(header.line, header.fields);
  if (!columns.ok) return refused(columns.issues);
  if (rows.length === 0)
    return refused([{ line: header.line + 1, code: 'empty', message: 'no devices below the header' }]);

  const issues: CsvIssue[] = [];
  const devices: DeviceSpec[] = [];
  const seen = new Map<string, number>();
  let badRows = 0;
  for (const row of rows) {
    const rowIssues = checkRow(row.line, row.fields, columns.names, options, seen, registry);
    if (rowIssues.length > 0) {
      badRows++;
      issues.push(...rowIssues);
      continue;
    }
    devices.push(toSpec(row.fields, columns.names, options));
  }
  return issues.length > 0
    ? { rows: rows.length, badRows, issues, devices: [] }
    : { rows: rows.length, badRows, issues, devices };
}

export async function importDevicesCsv(
  registry: DeviceRegistry,
  csvText: string,
  options: ImportOptions = {},
): Promise<IssuedDevice[]> {
  const preview = previewDevicesCsv(registry, csvText, options);
  if (preview.issues.length > 0) {
    const { rows, badRows } = preview;
    throw new RegistryError(
      'invalid',
      badRows > 0
        ? `CSV import refused: ${badRows} of ${rows} ${rows === 1 ? 'row is' : 'rows are'} invalid; nothing was imported`
        : 'CSV import refused; nothing was imported',
      preview.issues.map(formatCsvIssue),
    );
  }
  return registry.addDevices(preview.devices);
}

/** `id,password` lines for the installer to load onto the devices (CRLF, RFC 4180). */
export function credentialsCsv(issued: readonly IssuedDevice[]): string {
  return csvLine(['id', 'password']) + issued.map(({ device, password }) => csvLine([device.id, password])).join('');
}

function readHeader(
  line: number,
  fields: readonly string[],
): { ok: true; names: DeviceInputField[] } | { ok: false; issues: CsvIssue[] } {
  const issues: CsvIssue[] = [];
  const names: DeviceInputField[] = [];
  const known = new Set<string>(DEVICE_INPUT_FIELDS);
  const issue = (message: string) => issues.push({ line, code: 'header', message });
  for (const raw of fields) {
    const name = raw.trim().toLowerCase();
    if (!known.has(name)) {
      const hint = closest(name, DEVICE_INPUT_FIELDS);
      issue(
        `unknown column ${JSON.stringify(raw)}${hint ? ` (did you mean ${hint}?)` : ''}; the columns are ${DEVICE_INPUT_FIELDS.join(', ')}`,
      );
      continue;
    }
    if (names.includes(name as DeviceInputField)) issue(`column ${JSON.stringify(name)} appears twice`);
    names.push(name as DeviceInputField);
  }
  for (const column of REQUIRED) {
    if (!names.includes(column) && !issues.some((i) => i.message.includes(`"${column}"`))) {
      issue(`missing column ${JSON.stringify(column)}`);
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, names };
}

function toSpec(fields: readonly string[], names: readonly DeviceInputField[], options: ImportOptions): DeviceSpec {
  const spec: Record<string, unknown> = {};
  names.forEach((name, i) => {
    const value = fields[i]?.trim() ?? '';
    if (value === '') return;
    // Empty pieces (`a;;b`, a trailing `;`) are refused by checkRow, naming the cell.
    if (name === 'tags') spec.tags = splitTags(value).filter((tag) => tag !== '');
    else spec[name] = name === 'floor' && NUMBER.test(value) ? Number(value) : value;
  });
  if (spec.community === undefined && options.defaultCommunity !== undefined) spec.community = options.defaultCommunity;
  return spec as DeviceSpec;
}

function splitTags(cell: string): string[] {
  return cell.split(TAG_SEPARATOR).map((tag) => tag.trim());
}

/** A `field: message` line of `checkDeviceInput` as an issue of the cell it names. */
function cellIssue(line: number, issue: string): CsvIssue {
  const match = /^([a-z]+): (.*)$/s.exec(issue);
  const column = match?.[1];
  if (match && column && (DEVICE_INPUT_FIELDS as readonly string[]).includes(column)) {
    return { line, column: column as DeviceInputField, code: 'invalid', message: match[2] ?? '' };
  }
  return { line, code: 'invalid', message: issue };
}

function checkRow(
  line: number,
  fields: readonly string[],
  names: readonly DeviceInputField[],
  options: ImportOptions,
  seen: Map<string, number>,
  registry: DeviceRegistry,
): CsvIssue[] {
  if (fields.length !== names.length) {
    return [
      { line, code: 'fields', message: `expected ${names.length} fields (as in the header), found ${fields.length}` },
    ];
  }
  const tagsAt = names.indexOf('tags');
  const tagsCell = tagsAt < 0 ? '' : (fields[tagsAt]?.trim() ?? '');
  const separatorIssues: CsvIssue[] = [];
  const tagIssue = (message: string) => separatorIssues.push({ line, column: 'tags', code: 'tags', message });
  if (tagsCell !== '' && splitTags(tagsCell).includes('')) {
    tagIssue(
      `an empty tag in ${JSON.stringify(tagsCell)}: separate tags by one ";" with none at either end, like elderly_alone;pump_room`,
    );
  }
  if (/[,\s]/.test(tagsCell.replaceAll(/\s*;\s*/g, ';'))) {
    tagIssue('separate tags by ";", not by commas or spaces, like elderly_alone;pump_room');
  }
  const checked = checkDeviceInput(toSpec(fields, names, options));
  if (!checked.ok) return [...checked.issues.map((issue) => cellIssue(line, issue)), ...separatorIssues];
  if (separatorIssues.length > 0) return separatorIssues;
  const { id } = checked.value;
  const earlier = seen.get(id);
  if (earlier !== undefined)
    return [{ line, column: 'id', code: 'duplicate', message: `${id} is also on line ${earlier}` }];
  seen.set(id, line);
  const conflict = registry.idConflict(id);
  return conflict ? [{ line, column: 'id', code: 'taken', message: conflict }] : [];
}
