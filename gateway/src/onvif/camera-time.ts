/**
 * Times and durations as cameras write them. The standard says xs:dateTime in UTC with `Z`;
 * firmware in the field also writes no zone at all, a local offset, a space instead of `T`, or
 * fractions of any length. Nothing here throws: an unreadable time is `undefined` and callers fall
 * back to their own clock (an odd CurrentTime must never stop the event loop).
 */
const DATE_TIME =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/;

/** Milliseconds since the epoch; a time without a zone is read as UTC (what ONVIF means). */
export function parseCameraTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '0', zone] = match;
  const ms = Math.round(Number(`0.${fraction}`) * 1000);
  let at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone && /^[+-]/.test(zone)) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    at -= sign * offsetMinutes * 60_000;
  }
  return Number.isFinite(at) ? at : undefined;
}

/** xs:dateTime in UTC with milliseconds, as Gridlink writes it to cameras. */
export function formatCameraTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `PT600S`: durations are always asked for in whole seconds (firmware misreads `PT10M` as 10 s). */
export function secondsDuration(seconds: number): string {
  return `PT${Math.max(0, Math.round(seconds))}S`;
}

const DURATION = /^\s*P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?\s*$/;

/** xs:duration (days, hours, minutes, seconds) in milliseconds. */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = DURATION.exec(value);
  if (!match || value.trim() === 'P' || value.trim() === 'PT') return undefined;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return Math.round(((Number(d) * 24 + Number(h)) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}
