import {
  CallbackChannel,
  CallbackSatisfaction,
  CategoryCode,
  DeviceId,
  GatewayId,
  IncidentSource,
  OpaqueId,
  Place,
  Severity,
  TerritoryLevel,
} from '@gridlink/protocol';
import { z } from 'zod';
import { Message } from '../i18n/message.js';
import { IncidentError } from './errors.js';
import { Attachment } from './records.js';
import { IncidentRole } from './roles.js';

const RequestId = z.string().min(1).max(128);
const Actor = z.string().min(1).max(128);

export const TransitionInput = z.strictObject({
  incidentId: z.string().min(1),
  action: z.string().min(1),
  /** Idempotency key: repeating a request id returns the first result and changes nothing. */
  requestId: RequestId,
  /** The version the caller saw; a different current version is a conflict. */
  expectedVersion: z.int().min(1).optional(),
  actor: Actor,
  role: IncidentRole,
  comment: z.string().max(4000).optional(),
  /** The cloud's own comment, as a message of the catalogue (rendered in each reader's language). */
  commentMessage: Message.optional(),
  attachments: z.array(Attachment).max(50).optional(),
  /** Action data: `assignee` for dispatch, `into` for merge, anything else is kept on the step. */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type TransitionInput = z.input<typeof TransitionInput>;

/** The callback's actions (回访, docs/domain.md §3): their step data carries the verdict. */
export const CALLBACK_ACTIONS = ['callbackSatisfied', 'callbackUnsatisfied'] as const;

/**
 * The data of a callback step: the verdict (satisfaction, whether it was solved, a note) and the
 * channel it came through. Each field may be left out by callers that only pick the action: the
 * action then says it (callbackSatisfied: satisfied and solved; callbackUnsatisfied: unsatisfied
 * and not solved), the channel is an agent's call and the note the step's comment. Other keys are
 * kept on the step as before.
 */
export const CallbackStepData = z.looseObject({
  satisfaction: CallbackSatisfaction.optional(),
  solved: z.boolean({ error: 'solved is true or false: was the matter actually solved?' }).optional(),
  note: z.string().max(1000).optional(),
  channel: CallbackChannel.optional(),
});
export type CallbackStepData = z.infer<typeof CallbackStepData>;

/** Manual intake ("一口受理"): every channel but IoT, which comes through {@link IncidentEngine.fromAlert}. */
export const ReportInput = z.strictObject({
  requestId: RequestId,
  source: IncidentSource.exclude(['iot']),
  category: CategoryCode,
  /** Defaults to the category's seed severity (or its parent's), else minor. */
  severity: Severity.optional(),
  /** Defaults to true for a critical severity. */
  urgent: z.boolean().optional(),
  level: TerritoryLevel.optional(),
  title: z.string().min(1).max(200),
  description: z.string().max(4000).optional(),
  place: Place.partial().optional(),
  deviceId: DeviceId.optional(),
  address: z.string().min(1).max(500).optional(),
  /** Where it is (WGS-84), e.g. a street report's phone fix. */
  position: z
    .strictObject({
      lon: z.number().min(-180).max(180),
      lat: z.number().min(-90).max(90),
      accuracyM: z.number().positive().optional(),
    })
    .optional(),
  drill: z.boolean().optional(),
  /** When it happened, if earlier than the report. */
  occurredAt: z.coerce.date().optional(),
  actor: Actor,
  role: IncidentRole,
  comment: z.string().max(4000).optional(),
  attachments: z.array(Attachment).max(50).optional(),
  /** The gateway alert it is about: one incident per alert, whichever arrives first. */
  alert: z.strictObject({ gatewayId: GatewayId, alertId: OpaqueId }).optional(),
  /**
   * A deadline set from outside (a hotline platform's): the handling clock runs to it when it comes
   * before the category's limit (docs/domain.md §4).
   */
  externalDeadline: z.coerce.date().optional(),
});
export type ReportInput = z.input<typeof ReportInput>;

/** Parses an input; a failure is a typed refusal listing every field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
  throw new IncidentError('GL_INCIDENT_INVALID_INPUT', `invalid ${what}: ${issues.join('; ')}`, { issues });
}
