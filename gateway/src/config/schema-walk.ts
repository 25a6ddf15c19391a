// The schema walks moved to @gridlink/protocol (every service's config loader shares them).
export {
  type ConfigSchema as Schema,
  closest,
  discriminatorAt,
  editDistance,
  fieldsOf,
  isIntegerAt,
  type LeafKind,
  leafKind,
  leafPaths,
  schemasAt,
  unwrapSchema as unwrap,
} from '@gridlink/protocol';
