import type { Queryable } from '../../db/db.js';
import type { TerritoryImportKind } from './schemas.js';

/**
 * A digest of the stored territory an import was previewed against: its units under the root
 * (names, retirement), their area versions, and for buildings and placements the building units
 * and current placements concerned. Applying recomputes it in its transaction; a different stamp
 * means someone changed the territory since, and the preview is stale. Row digests are summed
 * (order-free, one pass, no large string even for half a million placements).
 */
export async function territoryStamp(
  db: Queryable,
  kind: TerritoryImportKind,
  root: string | null,
  gateways: readonly string[] = [],
): Promise<string> {
  const prefix = root ?? '';
  const parts: string[] = [];
  const digest = async (sql: string, params: unknown[]) => {
    const { rows } = await db.query<{ n: number | string; h: number | string | null }>(sql, params);
    parts.push(`${rows[0]?.n ?? 0}:${rows[0]?.h ?? 0}`);
  };
  await digest(
    `SELECT count(*) AS n, sum(hashtext(code || '|' || name_zh || '|' || coalesce(name_en, '') || '|' ||
            coalesce(retired_at::text, ''))::bigint) AS h
     FROM territory_units WHERE code LIKE $1 || '%'`,
    [prefix],
  );
  if (kind === 'boundaries') {
    await digest(
      `SELECT count(*) AS n, sum(hashtext(id::text || '|' || valid_from::text || '|' || coalesce(valid_to::text, ''))::bigint) AS h
       FROM territory_polygons WHERE unit_code LIKE $1 || '%'`,
      [prefix],
    );
  } else {
    await digest(
      `SELECT count(*) AS n, sum(hashtext(community_code || '|' || building || '|' || unit || '|' || floors || '|' ||
              households || '|' || coalesce(grid_code, '') || '|' || coalesce(lon::text, '') || '|' || coalesce(lat::text, ''))::bigint) AS h
       FROM territory_buildings WHERE community_code LIKE $1 || '%'`,
      [prefix.slice(0, 12)],
    );
  }
  if (kind === 'placements') {
    await digest(
      `SELECT count(*) AS n, sum(hashtext(gateway_id || '|' || device_id || '|' || installed_at::text || '|' ||
              coalesce(removed_at::text, ''))::bigint) AS h
       FROM device_placements WHERE gateway_id = ANY($1) OR (removed_at IS NULL AND grid_code LIKE $2 || '%')`,
      [gateways, prefix],
    );
  }
  return `${kind}:${parts.join(';')}`;
}
