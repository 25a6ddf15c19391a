/** xs:duration and xs:dateTime handling for subscriptions, with the misreadings some firmware has. */

const DURATION =
  /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const SECOND = 1000;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, SECOND];

/** Milliseconds of an xs:duration such as PT60S, PT10M or P1DT2H; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const parts = match.slice(2);
  if (parts.every((part) => part === undefined)) return undefined;
  const ms = parts.reduce(
    (sum, part, index) => sum + (part === undefined ? 0 : Number(part) * (UNIT_MS[index] ?? 0)),
    0,
  );
  return match[1] ? -ms : ms;
}

/**
 * The misreading documented for some firmware: the first number of the duration is taken as seconds
 * whatever its unit (PT10M becomes 10 s, PT1H becomes 1 s).
 */
export function misreadDuration(text: string): number | undefined {
  if (parseDuration(text) === undefined) return undefined;
  const first = /\d+(?:\.\d+)?/.exec(text);
  return first ? Number(first[0]) * SECOND : undefined;
}

/** Parses an xs:dateTime; a value without zone is taken as UTC. */
export function parseDateTime(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(trimmed)) return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Reads a wsnt:AbsoluteOrRelativeTimeType value (a duration, or an absolute time on the camera's clock)
 * as milliseconds from `cameraNow`. Undefined when the text is neither.
 */
export function parseTerminationTime(text: string, cameraNow: number, misread: boolean): number | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('P') || trimmed.startsWith('-P')) {
    return misread ? misreadDuration(trimmed) : parseDuration(trimmed);
  }
  const absolute = parseDateTime(trimmed);
  return absolute === undefined ? undefined : absolute - cameraNow;
}

/** Hours east of UTC of the simulated cameras' local time (China Standard Time). */
const LOCAL_OFFSET_MS = 8 * 3_600_000;

/** xs:dateTime as real cameras write it: whole seconds, UTC, 'Z'. */
export function formatTime(cameraMs: number): string {
  return `${new Date(Math.floor(cameraMs / SECOND) * SECOND).toISOString().slice(0, 19)}Z`;
}

/** Time written the way some firmware does: local time (UTC+8) with no zone designator at all. */
export function formatTimeWithoutZone(cameraMs: number): string {
  return new Date(Math.floor(cameraMs / SECOND) * SECOND + LOCAL_OFFSET_MS).toISOString().slice(0, 19);
}

/** An event's UtcTime: milliseconds, 'Z' — or, for the non-standard quirk, local time with a +08:00 offset. */
export function formatEventTime(cameraMs: number, nonStandard: boolean): string {
  if (!nonStandard) return new Date(cameraMs).toISOString();
  return `${new Date(cameraMs + LOCAL_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
}

export function localParts(cameraMs: number): Date {
  return new Date(cameraMs + LOCAL_OFFSET_MS);
}

/** xs:duration of whole seconds, e.g. PT60S. */
export function formatDuration(ms: number): string {
  return `PT${Math.round(ms / SECOND)}S`;
}
