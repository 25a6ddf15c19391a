import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIo } from '@gridlink/protocol';
import type { Db } from '../db/db.js';
import { TerritoryImports } from '../territory/import/imports.js';
import { TerritoryImportRefusal } from '../territory/import/refusal.js';
import { TerritoryImportCrs, TerritoryImportKind, type TerritoryImportPreview } from '../territory/import/schemas.js';

export interface TerritoryImportOptions {
  file: string;
  kind?: string | undefined;
  crs?: string | undefined;
  apply?: boolean | undefined;
  validFrom?: string | undefined;
}

/** The kind a file's name suggests: `.geojson`/`.json` boundaries, a CSV named for placements, else buildings. */
function kindOfName(file: string): TerritoryImportKind | undefined {
  if (/\.(geo)?json$/i.test(file)) return 'boundaries';
  if (/placement|device/i.test(file)) return 'placements';
  if (/\.csv$/i.test(file)) return 'buildings';
  return undefined;
}

/** The preview as the terminal reads it: counts, then every problem (English, with zh-CN beside it), then what would change. */
export function previewText(preview: TerritoryImportPreview): string {
  const c = preview.counts;
  const lines = [
    `import ${preview.id} (${preview.kind}, ${preview.encoding}, ${preview.crs} from ${preview.crs_source}, root ${preview.root ?? 'none'})`,
    `  ${c.items} items: ${c.added} added, ${c.changed} changed, ${c.retired} retired, ${c.unchanged} unchanged; ${c.problems} problems`,
  ];
  for (const p of preview.problems) {
    const where = p.feature !== null ? `feature ${p.feature}` : p.line !== null ? `line ${p.line}` : 'file';
    lines.push(
      `  ! ${where}${p.code === null ? '' : ` ${p.code}`}${p.field === null ? '' : ` ${p.field}`}: ${p.message.en} — fix: ${p.fix.en}`,
    );
    lines.push(`    ${p.message.zh}；${p.fix.zh}`);
  }
  for (const [label, list] of [
    ['changed', preview.changed],
    ['retired', preview.retired],
  ] as const)
    for (const item of list.slice(0, 50))
      lines.push(`  ${label} ${item.key}${item.changes.length > 0 ? ` (${item.changes.join(', ')})` : ''}`);
  if (preview.unregistered_gateways.length > 0)
    lines.push(`  gateways not registered yet: ${preview.unregistered_gateways.slice(0, 20).join(', ')}`);
  if (preview.lists_truncated) lines.push('  (lists cut; the counts are complete)');
  return `${lines.join('\n')}\n`;
}

/**
 * `territory import <file>`: previews the file and prints it; with `--apply` and no problems,
 * applies it (audited as the command line). Exit 0 done, 1 problems or refused, 2 usage.
 */
export async function territoryImport(
  io: CliIo,
  db: Db,
  options: TerritoryImportOptions,
  usage: (text: string) => never,
): Promise<number> {
  const kind = TerritoryImportKind.safeParse(options.kind ?? kindOfName(options.file));
  if (!kind.success) usage('--kind: give boundaries, buildings or placements');
  const crs = options.crs === undefined ? undefined : TerritoryImportCrs.safeParse(options.crs);
  if (crs !== undefined && !crs.success) usage('--crs: give wgs84 or gcj02');
  const validFrom = options.validFrom === undefined ? undefined : new Date(options.validFrom);
  if (validFrom !== undefined && Number.isNaN(validFrom.getTime())) usage('--valid-from: give an ISO 8601 time');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolve(io.cwd, options.file));
  } catch (err) {
    io.stderr.write(`cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 1;
  }
  const imports = new TerritoryImports(db, () => new Date());
  const preview = await imports.preview({
    kind: kind.data as TerritoryImportKind,
    bytes,
    crs: crs?.data,
    actor: { kind: 'cli' },
  });
  io.stdout.write(previewText(preview));
  if (preview.counts.problems > 0) {
    io.stderr.write(`${preview.counts.problems} problems: nothing applied; correct the file and run again\n`);
    return 1;
  }
  if (!options.apply) {
    io.stderr.write('preview only: run again with --apply to apply it\n');
    return 0;
  }
  try {
    const applied = await imports.apply(preview.id, { kind: 'cli' }, validFrom);
    io.stdout.write(`applied ${applied.id} from ${applied.valid_from}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof TerritoryImportRefusal)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 1;
  }
}
