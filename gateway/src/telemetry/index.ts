export {
  TelemetryWriteError,
  type WriteFailure,
  type WriteFailureKind,
} from './errors.js';
export { InfluxV1Writer } from './influx-v1-writer.js';
export { InfluxV2Writer } from './influx-v2-writer.js';
export {
  escapeKey,
  escapeMeasurement,
  type FieldValue,
  type IntegerField,
  integer,
  quoteString,
  type TelemetryPoint,
  toLineProtocol,
  toLines,
} from './line-protocol.js';
export {
  createTelemetryPipeline,
  DEFAULT_RETRY,
  type RetryPolicy,
  type StopReport,
  TelemetryPipeline,
  type TelemetryPipelineOptions,
  type TelemetryStats,
} from './pipeline.js';
export { MEASUREMENTS, type PointContext, toPoints } from './points.js';
export {
  createWriter,
  type InfluxConfig,
  type InfluxV1Config,
  type InfluxV2Config,
  type TelemetryWriter,
  type WriterOptions,
} from './writer.js';
