import { bodyFieldErrors } from '../http/field-errors.js';
import { type Message, message } from '../i18n/message.js';
import { toWgs84 } from '../territory/gcj02.js';
import { PositionInput } from './schemas.js';
import type { PatrolSettings } from './settings.js';

/** Why one position of a batch was refused: stable codes a phone may branch on. */
export type PositionRefusalCode =
  | 'invalid'
  | 'accuracy_absurd'
  | 'time_future'
  | 'time_before_start'
  | 'time_after_end'
  | 'time_too_old';

export interface PositionRefusal {
  index: number;
  /** JSON Pointer of the field at fault, e.g. `/positions/3/accuracy_m`. */
  pointer: string;
  code: PositionRefusalCode;
  detail: Message;
}

/** A position fit to store: WGS-84, its time corrected when the phone clock was off. */
export interface CheckedPosition {
  at: Date;
  lon: number;
  lat: number;
  accuracy_m: number;
}

export interface BatchCheck {
  /** In time order, one per instant (the batch's own duplicates dropped). */
  accepted: CheckedPosition[];
  refused: PositionRefusal[];
  /** Positions of the batch at an instant another position of the batch already had. */
  duplicates: number;
  /** Server time minus the phone's `sent_at`, in ms. */
  clock_offset_ms: number;
  /** True when the offset was beyond the allowed skew and the times were shifted by it. */
  clock_corrected: boolean;
}

export interface BatchContext {
  now: Date;
  sentAt: Date;
  startedAt: Date;
  endedAt: Date | null;
  settings: PatrolSettings;
}

/**
 * The measured phone-clock offset and whether to correct it: a phone clock further off than the
 * allowed skew (hours off, a wrong time zone set by hand) has every time of the batch shifted by
 * the offset measured at sending, and the answer says so; within the skew times stand as sent.
 */
export function clockCorrection(now: Date, sentAt: Date, skewS: number): { offsetMs: number; corrected: boolean } {
  const offsetMs = now.getTime() - sentAt.getTime();
  return { offsetMs, corrected: Math.abs(offsetMs) > skewS * 1000 };
}

/**
 * Checks each position of a batch on its own (shape, accuracy, time against the session and now),
 * so one bad fix never costs the batch: each refusal names its index, field and reason.
 */
export function checkBatch(items: readonly unknown[], ctx: BatchContext): BatchCheck {
  const { offsetMs, corrected } = clockCorrection(ctx.now, ctx.sentAt, ctx.settings.clock_skew_s);
  const skewMs = ctx.settings.clock_skew_s * 1000;
  const oldest = ctx.now.getTime() - ctx.settings.retention_days * 86_400_000;
  const refused: PositionRefusal[] = [];
  const byTime = new Map<number, CheckedPosition>();
  let duplicates = 0;
  items.forEach((item, index) => {
    const base = `/positions/${index}`;
    const refuse = (field: string, code: PositionRefusalCode, detail: Message) =>
      refused.push({ index, pointer: `${base}${field}`, code, detail });
    const parsed = PositionInput.safeParse(item, { reportInput: true });
    if (!parsed.success) {
      const first = bodyFieldErrors(parsed.error.issues, base)[0];
      refuse(first?.pointer?.slice(base.length) ?? '', 'invalid', first?.detail ?? message('patrol.position_invalid'));
      return;
    }
    const p = parsed.data;
    if (!(p.accuracy_m > 0 && p.accuracy_m <= ctx.settings.max_accuracy_m)) {
      refuse(
        '/accuracy_m',
        'accuracy_absurd',
        message('patrol.accuracy_absurd', {
          accuracy: p.accuracy_m,
          max: ctx.settings.max_accuracy_m,
        }),
      );
      return;
    }
    const at = new Date(new Date(p.at).getTime() + (corrected ? offsetMs : 0));
    const t = at.getTime();
    if (t > ctx.now.getTime() + skewMs) {
      refuse(
        '/at',
        'time_future',
        message('patrol.time_future', { at: at.toISOString(), skew: ctx.settings.clock_skew_s }),
      );
      return;
    }
    if (t < oldest) {
      refuse(
        '/at',
        'time_too_old',
        message('patrol.time_too_old', { at: at.toISOString(), days: ctx.settings.retention_days }),
      );
      return;
    }
    if (t < ctx.startedAt.getTime() - skewMs) {
      refuse(
        '/at',
        'time_before_start',
        message('patrol.time_before_start', {
          at: at.toISOString(),
          started: ctx.startedAt.toISOString(),
        }),
      );
      return;
    }
    if (ctx.endedAt !== null && t > ctx.endedAt.getTime() + skewMs) {
      refuse(
        '/at',
        'time_after_end',
        message('patrol.time_after_end', {
          at: at.toISOString(),
          ended: ctx.endedAt.toISOString(),
        }),
      );
      return;
    }
    // Stored at whole milliseconds, as the database keeps them (microseconds would never arrive).
    if (byTime.has(t)) {
      duplicates += 1;
      return;
    }
    const { lon, lat } = toWgs84({ lon: p.lon, lat: p.lat }, p.crs);
    byTime.set(t, { at, lon, lat, accuracy_m: p.accuracy_m });
  });
  const accepted = [...byTime.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
  return { accepted, refused, duplicates, clock_offset_ms: offsetMs, clock_corrected: corrected };
}
