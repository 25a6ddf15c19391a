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

export async function importDevicesCsv(
  registry: DeviceRegistry,
  csvText: string,
  options: ImportOptions = {},
): Promise<IssuedDevice[]> {
  const refuse = (issues: string[], summary = 'CSV import refused; nothing was imported') => {
    throw new RegistryError('invalid', summary, issues);
  };

  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(csvText);
  } catch (err) {
    if (err instanceof CsvSyntaxError) refuse([err.message]);
    throw err;
  }

  const [header, ...rows] = records;
  if (!header) return refuse([`line 1: the file is empty; expected a header like ${DEVICE_INPUT_FIELDS.join(',')}`]);
  const columns = readHeader(header.line, header.fields);
  if (!columns.ok) return refuse(columns.issues);
  if (rows.length === 0) return refuse([`line ${header.line + 1}: no devices below the header`]);

  const issues: string[] = [];
  const specs: DeviceSpec[] = [];
  const seen = new Map<string, number>();
  let badRows = 0;
  for (const row of rows) {
    const rowIssues = checkRow(row.line, row.fields, columns.names, options, seen, registry);
    if (rowIssues.length > 0) {
      badRows++;
      issues.push(...rowIssues);
      continue;
    }
    specs.push(toSpec(row.fields, columns.names, options));
  }
  if (issues.length > 0) {
    refuse(
      issues,
      `CSV import refused: ${badRows} of ${rows.length} ${rows.length === 1 ? 'row is' : 'rows are'} invalid; nothing was imported`,
    );
  }
  return registry.addDevices(specs);
}

/** `id,password` lines for the installer to load onto the devices (CRLF, RFC 4180). */
export function credentialsCsv(issued: readonly IssuedDevice[]): string {
  return csvLine(['id', 'password']) + issued.map(({ device, password }) => csvLine([device.id, password])).join('');
}

function readHeader(
  line: number,
  fields: readonly string[],
): { ok: true; names: DeviceInputField[] } | { ok: false; issues: string[] } {
  const issues: string[] = [];
  const names: DeviceInputField[] = [];
  const known = new Set<string>(DEVICE_INPUT_FIELDS);
  for (const raw of fields) {
    const name = raw.trim().toLowerCase();
    if (!known.has(name)) {
      const hint = closest(name, DEVICE_INPUT_FIELDS);
      issues.push(
        `line ${line}: unknown column ${JSON.stringify(raw)}${hint ? ` (did you mean ${hint}?)` : ''}; the columns are ${DEVICE_INPUT_FIELDS.join(', ')}`,
      );
      continue;
    }
    if (names.includes(name as DeviceInputField))
      issues.push(`line ${line}: column ${JSON.stringify(name)} appears twice`);
    names.push(name as DeviceInputField);
  }
  for (const column of REQUIRED) {
    if (!names.includes(column) && !issues.some((i) => i.includes(`"${column}"`))) {
      issues.push(`line ${line}: missing column ${JSON.stringify(column)}`);
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

function checkRow(
  line: number,
  fields: readonly string[],
  names: readonly DeviceInputField[],
  options: ImportOptions,
  seen: Map<string, number>,
  registry: DeviceRegistry,
): string[] {
  if (fields.length !== names.length) {
    return [`line ${line}: expected ${names.length} fields (as in the header), found ${fields.length}`];
  }
  const tagsAt = names.indexOf('tags');
  const tagsCell = tagsAt < 0 ? '' : (fields[tagsAt]?.trim() ?? '');
  const separatorIssues: string[] = [];
  if (tagsCell !== '' && splitTags(tagsCell).includes('')) {
    separatorIssues.push(
      `line ${line}: tags: an empty tag in ${JSON.stringify(tagsCell)}: separate tags by one ";" with none at either end, like elderly_alone;pump_room`,
    );
  }
  if (/[,\s]/.test(tagsCell.replaceAll(/\s*;\s*/g, ';'))) {
    separatorIssues.push(
      `line ${line}: tags: separate tags by ";", not by commas or spaces, like elderly_alone;pump_room`,
    );
  }
  const checked = checkDeviceInput(toSpec(fields, names, options));
  if (!checked.ok) return [...checked.issues.map((issue) => `line ${line}: ${issue}`), ...separatorIssues];
  if (separatorIssues.length > 0) return separatorIssues;
  const { id } = checked.value;
  const earlier = seen.get(id);
  if (earlier !== undefined) return [`line ${line}: id: ${id} is also on line ${earlier}`];
  seen.set(id, line);
  const conflict = registry.idConflict(id);
  return conflict ? [`line ${line}: id: ${conflict}`] : [];
}
