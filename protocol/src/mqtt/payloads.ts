import { z } from 'zod';
import { DeviceId, OpaqueId, RuleId } from '../ids.js';
import { Place } from '../place.js';
import { Timestamp } from '../time.js';
import { CategoryCode } from '../vocabulary/categories.js';
import { Severity } from '../vocabulary/severity.js';

/** `gridlink/<id>/availability` and `gridlink/bridge/state`: retained; the gateway's is its LWT. */
export const Availability = z.strictObject({ state: z.enum(['online', 'offline']) });
export type Availability = z.infer<typeof Availability>;

export const BridgeInfo = z.strictObject({
  version: z.string().min(1),
  gateway_id: z.string().min(1),
  started_at: Timestamp,
  base_topic: z.string().min(1),
});
export type BridgeInfo = z.infer<typeof BridgeInfo>;

export const BridgeHealth = z.strictObject({
  ts: Timestamp,
  uptime_s: z.number().min(0),
  clients: z.int().min(0),
  messages_in_per_s: z.number().min(0),
  messages_invalid_total: z.int().min(0),
  outbox_depth: z.int().min(0),
  cloud: z.enum(['connected', 'disconnected', 'disabled']),
  /** ONVIF cameras the gateway speaks for: a wrong password shows as authenticated false. */
  cameras: z
    .array(
      z.strictObject({
        id: DeviceId,
        online: z.boolean(),
        authenticated: z.boolean(),
        subscribed: z.boolean(),
        mode: z.enum(['pullpoint', 'push']).optional(),
        last_event_at: Timestamp.optional(),
        clock_offset_ms: z.number().optional(),
        error: z.string().max(512).optional(),
      }),
    )
    .optional(),
});
export type BridgeHealth = z.infer<typeof BridgeHealth>;

/** `gridlink/bridge/event`: things installers want to see happen (not retained). */
export const BridgeEvent = z.strictObject({
  ts: Timestamp,
  type: z.enum([
    'device_connected',
    'device_disconnected',
    'device_refused',
    'rules_reloaded',
    'rules_rejected',
    'config_changed',
    /** The cloud's incident for a local alert was signed for, or closed (downlink). */
    'incident_acknowledged',
    'incident_closed',
  ]),
  device_id: DeviceId.optional(),
  detail: z.string().max(512).optional(),
});
export type BridgeEvent = z.infer<typeof BridgeEvent>;

/** `gridlink/bridge/request/<cmd>` → `gridlink/bridge/response/<cmd>`, matched by `transaction`. */
export const BridgeRequest = z.looseObject({ transaction: z.string().min(1).max(64).optional() });
export const BridgeResponse = z.strictObject({
  status: z.enum(['ok', 'error']),
  data: z.record(z.string(), z.unknown()),
  error: z.string().optional(),
  transaction: z.string().optional(),
});
export type BridgeResponse = z.infer<typeof BridgeResponse>;

/** `gridlink/bridge/dead_letter/<device_id>`: a message that failed validation, with the reason. */
export const DeadLetter = z.strictObject({
  ts: Timestamp,
  topic: z.string(),
  error: z.string(),
  payload: z.string().max(4096).meta({ description: 'The payload as received (UTF-8, truncated)' }),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/**
 * `gridlink/alert/<rule_id>/<device_id>`: retained while active; an empty retained payload clears
 * it. `alert_id` is minted by the gateway and kept by the cloud's incident end to end.
 */
export const AlertPayload = z.strictObject({
  alert_id: OpaqueId,
  rule_id: RuleId,
  device_id: DeviceId,
  state: z.literal('active'),
  severity: Severity,
  category: CategoryCode,
  since: Timestamp,
  last_seen: Timestamp,
  occurrences: z.int().min(1),
  message: z.strictObject({ zh: z.string(), en: z.string() }),
  place: Place.optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
});
export type AlertPayload = z.infer<typeof AlertPayload>;
