/**
 * The columns of the gateway registry's CSV import (`gridlink-gateway device import`), in the order
 * the header, the CLI and exporters (the simulators' community generator) write them. `tags` holds a
 * device's installer tags separated by `;`.
 */
export const REGISTRY_CSV_COLUMNS = [
  'id',
  'kind',
  'community',
  'grid',
  'building',
  'unit',
  'floor',
  'room',
  'notes',
  'tags',
] as const;
export type RegistryCsvColumn = (typeof REGISTRY_CSV_COLUMNS)[number];
