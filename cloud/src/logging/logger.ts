import { type Logger, type LoggerOptions, pino } from 'pino';

/** Fields that may hold a secret anywhere in a log record; pino replaces their values. */
export const REDACTED_LOG_PATHS = [
  'token',
  '*.token',
  'admin_token',
  '*.admin_token',
  'password',
  '*.password',
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/** The cloud's root logger: JSON lines, secrets redacted; modules take `logger.child({ module })`. */
export function createLogger(level: LoggerOptions['level'], destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = { level, base: { service: 'gridlink-cloud' }, redact: REDACTED_LOG_PATHS };
  return destination === undefined ? pino(options) : pino(options, destination);
}
