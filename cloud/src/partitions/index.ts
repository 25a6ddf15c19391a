export { monthsBefore, PartitionJob, type PartitionSettings, type TableUpkeep } from './job.js';
export {
  chinaMonth,
  dropMonthsBefore,
  ensureMonths,
  monthPartitions,
  PARTITIONED_TABLES,
  type PartitionedTable,
} from './months.js';
