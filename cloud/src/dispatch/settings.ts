import { CategoryCode } from '@gridlink/protocol';
import { z } from 'zod';
import type { DispatchSettings } from './store.js';

/** The dispatch policy as the API reads and replaces it (snake_case, every field given). */
export const DispatchSettingsBody = z.strictObject({
  /** A FILED incident goes to the responsible party without an operator. */
  auto_dispatch: z.boolean(),
  /** Urgent incidents from IoT alerts are accepted and filed by the cloud as well. */
  fast_track_urgent_iot: z.boolean(),
  /** Category codes (with their children) whose dispatch also alerts the community's robot groups. */
  life_safety_categories: z
    .array(CategoryCode)
    .max(200)
    .refine((codes) => new Set(codes).size === codes.length, { error: 'list each category code once' }),
});
export type DispatchSettingsBody = z.output<typeof DispatchSettingsBody>;

export const dispatchSettingsBody = (settings: DispatchSettings): DispatchSettingsBody => ({
  auto_dispatch: settings.autoDispatch,
  fast_track_urgent_iot: settings.fastTrackUrgentIot,
  life_safety_categories: settings.lifeSafetyCategories,
});

export const dispatchSettingsOf = (body: DispatchSettingsBody): DispatchSettings => ({
  autoDispatch: body.auto_dispatch,
  fastTrackUrgentIot: body.fast_track_urgent_iot,
  lifeSafetyCategories: body.life_safety_categories,
});
