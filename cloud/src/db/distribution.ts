/**
 * How the cloud's tables would be laid out on a province's Citus cluster (docs/scaling.md): the
 * large tables are distributed by `district` (the 6-digit prefix of a territory code), all
 * co-located; the small, slowly changing ones are reference tables, copied to every node.
 * The migration 0056_district_keys.sql gives each distributed table its `district` column;
 * `district-keys.test.ts` checks the schema and the hot paths' statements against these lists.
 */

/** Where a distributed table's `district` comes from. */
export type DistrictSource =
  /** A stored generated column of a territory code in the same row: no writer can forget it. */
  | { generated: string }
  /** A plain column every writer fills from the row's parent (named for the reader). */
  | { filledFrom: string }
  /** A plain column a trigger fills from a reference table when the writer leaves it out. */
  | { filledByTrigger: string };

/** The large tables: they grow with devices, events and incidents, and are distributed by district. */
export const DISTRIBUTED_TABLES = {
  gateway_events: { filledByTrigger: 'gateways.community' },
  gateway_health: { filledFrom: 'gateways.community' },
  downlink: { filledFrom: 'gateways.community' },
  cleared_alerts: { filledFrom: 'gateways.community' },
  incidents: { generated: 'coalesce(community, grid)' },
  incident_steps: { filledFrom: 'incidents.district' },
  incident_evidence: { filledFrom: 'incidents.district' },
  incident_alerts: { filledFrom: 'incidents.district' },
  incident_timers: { filledFrom: 'incidents.district' },
  incident_kpi_facts: { generated: 'coalesce(community, grid)' },
  incident_changes: { generated: 'coalesce(community, grid)' },
  dispatch_decisions: { filledFrom: 'incidents.district' },
  notification_log: { filledFrom: 'incidents.district' },
  held_alerts: { generated: 'coalesce(community, grid)' },
  community_alerts: { generated: 'community' },
  devices: { generated: 'community' },
  device_readings: { generated: 'community' },
  device_health: { generated: 'community' },
  device_availability: { generated: 'community' },
  patrol_positions: { filledFrom: 'patrol_sessions.grid_code' },
} as const satisfies Record<string, DistrictSource>;

export type DistributedTable = keyof typeof DISTRIBUTED_TABLES;

/**
 * Small tables every district's statements read: copied whole to every node (Citus reference
 * tables), so a join with them never leaves the district's node.
 */
export const REFERENCE_TABLES = [
  'territory_units',
  'territory_polygons',
  'territory_buildings',
  'gateways',
  'categories',
  'category_time_limits',
  'device_event_policies',
  'users',
  'role_assignments',
  'grid_members',
  'duty_periods',
  'leaves',
  'disposal_units',
  'user_contacts',
  'robot_channels',
  'kpi_settings',
  'deadline_settings',
  'dispatch_settings',
  'incident_settings',
  'session_settings',
  'maintenance_settings',
  'patrol_settings',
  'worklog_settings',
  'mediation_settings',
  'schema_migrations',
] as const;

/**
 * Known work (docs/scaling.md, "What the hot paths still leave open"): distributed tables that
 * statements of the hot paths read or change by id without naming the district, and pairs of
 * distributed tables one statement touches without holding them to one district. The district
 * keys test fails on any other; shorten these lists as statements name their district.
 */
export const KNOWN_OPEN_TABLES: readonly DistributedTable[] = [
  'gateway_events',
  'gateway_health',
  'cleared_alerts',
  'incidents',
  'incident_steps',
  'incident_evidence',
  'incident_alerts',
  'incident_timers',
  'dispatch_decisions',
];
export const KNOWN_OPEN_JOINS: readonly string[] = [
  'gateway_events⋈gateway_health',
  'cleared_alerts⋈incident_alerts',
  'cleared_alerts⋈incidents',
  'dispatch_decisions⋈incidents',
  'incident_alerts⋈incidents',
  'incident_steps⋈incidents',
  'incidents⋈incidents',
];

/** The name of the distribution column on every distributed table. */
export const DISTRICT_COLUMN = 'district';

export function isDistributed(table: string): table is DistributedTable {
  return Object.hasOwn(DISTRIBUTED_TABLES, table);
}
