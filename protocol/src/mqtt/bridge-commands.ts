import { z } from 'zod';
import { DeviceTag } from '../device-tag.js';
import { DeviceId, RuleId } from '../ids.js';
import { Place } from '../place.js';
import { DeviceKind } from '../profiles/index.js';
import { CategoryCode } from '../vocabulary/categories.js';
import { Severity } from '../vocabulary/severity.js';
import { AlertPayload, BridgeRequest } from './payloads.js';

/** A request that takes nothing beyond its `transaction`. */
const NoParameters = BridgeRequest;

const ClassCounts = z.strictObject({ alarm: z.int().min(0), state: z.int().min(0), telemetry: z.int().min(0) });

/**
 * The gateway's request/response commands (`<base>/bridge/request/<command>` →
 * `<base>/bridge/response/<command>`, as Zigbee2MQTT's bridge API): for each, the schema of the
 * request and of the `data` of an `ok` response. The gateway validates requests against these and
 * answers a request that does not match with an `error` naming the field.
 */
export const BRIDGE_COMMANDS = {
  'devices/list': {
    description:
      'The devices on record, with where they are and their tags, so a flow can select them by building, unit, floor or tag (read-only: observers and integrators may ask)',
    request: NoParameters,
    response: z.strictObject({
      devices: z.array(
        z.strictObject({
          id: DeviceId,
          kind: DeviceKind,
          status: z.enum(['active', 'retired']).meta({ description: 'A retired device never connects again' }),
          place: Place.optional().meta({
            description: 'Where it is installed, as the registry stores it (none when no community was given)',
          }),
          tags: z.array(DeviceTag).meta({ description: 'Installer tags, distinct and sorted; empty when none' }),
        }),
      ),
    }),
  },
  'rules/list': {
    description: 'The local rules in force',
    request: NoParameters,
    response: z.strictObject({
      rules: z.array(
        z.strictObject({
          id: RuleId,
          name: z.strictObject({ zh: z.string(), en: z.string() }),
          severity: Severity,
          category: CategoryCode,
          condition: z.string().meta({ description: 'The condition type (threshold, absence, …)' }),
        }),
      ),
    }),
  },
  'alerts/list': {
    description: 'The alerts active now',
    request: NoParameters,
    response: z.strictObject({ alerts: z.array(AlertPayload) }),
  },
  'outbox/status': {
    description: 'What waits for the cloud, by class, and the state of the link',
    request: NoParameters,
    response: z.strictObject({
      outbox: z.strictObject({
        depth: ClassCounts,
        oldest: z
          .strictObject({ alarm: z.int().nullable(), state: z.int().nullable(), telemetry: z.int().nullable() })
          .meta({ description: 'Enqueue time (ms since the epoch) of the oldest waiting event of each class' }),
        bytes: z.int().min(0),
        dropped: z.int().min(0).meta({ description: 'Telemetry dropped to stay under the disk quota' }),
        refused: z.int().min(0).meta({ description: 'Alarm and state events that could not be stored' }),
        quarantined: z.int().min(0),
      }),
      sender: z.strictObject({
        link: z.enum(['connecting', 'online', 'offline', 'unauthorized']),
        sent: z.int().min(0),
        duplicates: z.int().min(0),
        quarantined: z.int().min(0),
        retries: z.int().min(0),
        lastError: z.string().nullable(),
      }),
      downlink: z.strictObject({ applied: z.int().min(0), rejected: z.int().min(0) }),
      lost: z.int().min(0).meta({ description: 'Events the gateway could not hand to the outbox' }),
    }),
  },
  'outbox/quarantined': {
    description: 'Events the cloud refused as invalid, kept for an installer to inspect and resend',
    request: NoParameters,
    response: z.strictObject({
      events: z.array(
        z.strictObject({
          seq: z.int(),
          id: z.string(),
          source: z.string().meta({ description: 'Who the event speaks for (a device or the gateway)' }),
          error: z.string(),
          at: z.int().meta({ description: 'When it was quarantined (ms since the epoch)' }),
        }),
      ),
    }),
  },
  'outbox/resend': {
    description: 'Sends quarantined events again: those listed, or all of them',
    request: BridgeRequest.extend({
      seqs: z
        .array(z.int().min(1))
        .max(10_000)
        .optional()
        .meta({ description: 'Quarantined event numbers (from outbox/quarantined); none for all' }),
    }),
    response: z.strictObject({ resent: z.int().min(0) }),
  },
} as const satisfies Record<string, { description: string; request: z.ZodType; response: z.ZodType }>;

export type BridgeCommand = keyof typeof BRIDGE_COMMANDS;
export type BridgeCommandRequest<C extends BridgeCommand> = z.output<(typeof BRIDGE_COMMANDS)[C]['request']>;
export type BridgeCommandResponse<C extends BridgeCommand> = z.input<(typeof BRIDGE_COMMANDS)[C]['response']>;
