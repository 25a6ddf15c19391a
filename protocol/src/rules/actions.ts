import { z } from 'zod';
import { SamePlace, Selector } from './selector.js';

/** At most `max` runs of an action per `per_s` seconds, per rule and place. */
const RateLimit = z.strictObject({ max: z.int().min(1), per_s: z.int().min(1) });

/**
 * Publish a command to devices' `/set` topics, chosen by kind and place relative to the device that
 * raised the alert (release the fire doors of the same building, hold the elevator door).
 */
export const CommandAction = z.strictObject({
  type: z.literal('command'),
  target: z.strictObject({
    selector: Selector.optional(),
    /** Only devices in the same place as the alerting device. */
    same: SamePlace.optional(),
  }),
  command: z
    .record(z.string(), z.unknown())
    .refine((c) => Object.keys(c).length > 0, { message: 'a command needs at least one field' }),
  rate_limit: RateLimit.default({ max: 1, per_s: 60 }),
});

/** POST the alert to a URL (a local siren controller, the property office's system). */
export const WebhookAction = z.strictObject({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/ }),
  /** Header values may name a secret from the environment as `${ENV_NAME}`; never a literal token. */
  headers: z.record(z.string(), z.string()).optional(),
  timeout_ms: z.int().min(100).max(30_000).default(5000),
  rate_limit: RateLimit.default({ max: 6, per_s: 60 }),
});

export const Action = z.discriminatedUnion('type', [CommandAction, WebhookAction]);
export type Action = z.infer<typeof Action>;
