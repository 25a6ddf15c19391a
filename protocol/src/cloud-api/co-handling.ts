import { z } from 'zod';
import { IncidentRequestId } from './incidents.js';

/**
 * Co-handling (多部门联动) as clients send and read it (`/api/v1/incidents/{id}/co-handling`,
 * `/api/v1/co-tasks`): the lead unit is the incident's assignee; co-handling units get a task each
 * (联办), copied units (抄告) are told and may read.
 */

/** A disposal unit's id, as `/disposal-units` lists it. */
export const CoUnitId = z.string().min(1).max(64);

/** Where a co-task is: open while assigned, accepted or refused (awaiting the centre). */
export const CoTaskState = z.enum(['assigned', 'accepted', 'done', 'refused', 'reassigned']);
export type CoTaskState = z.infer<typeof CoTaskState>;

/** The open states: a task in one of these keeps the lead from reporting the incident handled. */
export const OPEN_CO_TASK_STATES: readonly CoTaskState[] = ['assigned', 'accepted', 'refused'];

const TaskText = z
  .string({ error: 'expected the task of this unit as text, e.g. "封闭道路并设置警示"' })
  .trim()
  .min(1, { error: 'the task must say what this unit is to do' })
  .max(2000);

const Reason = z
  .string({ error: 'expected the reason as text' })
  .trim()
  .min(1, { error: 'give the reason: it is recorded on the incident' })
  .max(2000);

/** One co-handling unit and its task; without a deadline, the category's handling limit from now. */
export const CoTaskInput = z.strictObject({
  unit: CoUnitId,
  task: TaskText,
  deadline: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with offset' }).optional(),
});
export type CoTaskInput = z.infer<typeof CoTaskInput>;

/** `POST /incidents/{id}/co-handling`: adds co-handling units and copied units. */
export const CoHandlingAddBody = z
  .strictObject({
    request_id: IncidentRequestId,
    co_units: z.array(CoTaskInput).max(20).default([]),
    copy_units: z.array(CoUnitId).max(50).default([]),
  })
  .refine((body) => body.co_units.length + body.copy_units.length > 0, {
    error: 'name at least one co-handling unit (co_units) or copied unit (copy_units)',
    path: ['co_units'],
  });
export type CoHandlingAddBody = z.input<typeof CoHandlingAddBody>;

/** `POST /co-tasks/{task}/actions`: the co-handling unit's answer. */
export const CoTaskActionBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('accept'), request_id: IncidentRequestId }),
  z.strictObject({
    action: z.literal('feedback'),
    request_id: IncidentRequestId,
    comment: z.string().trim().max(4000).default(''),
    /** Files uploaded for the incident (`POST /incidents/{id}/attachments`), by id. */
    attachments: z.array(z.uuid()).max(20).default([]),
  }),
  z.strictObject({
    action: z.literal('done'),
    request_id: IncidentRequestId,
    comment: z.string().max(4000).optional(),
  }),
  z.strictObject({ action: z.literal('refuse'), request_id: IncidentRequestId, reason: Reason }),
]);
export type CoTaskActionBody = z.input<typeof CoTaskActionBody>;

/** `POST /co-tasks/{task}/reassign`: the centre gives a refused (or silent) unit's task to another unit. */
export const CoTaskReassignBody = z.strictObject({
  request_id: IncidentRequestId,
  unit: CoUnitId,
  task: TaskText.optional(),
  deadline: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with offset' }).optional(),
  comment: z.string().max(2000).optional(),
});
export type CoTaskReassignBody = z.input<typeof CoTaskReassignBody>;

/** `POST /incidents/{id}/co-handling/override`: lets the lead report handled with tasks still open. */
export const CoHandlingOverrideBody = z.strictObject({ request_id: IncidentRequestId, reason: Reason });
export type CoHandlingOverrideBody = z.input<typeof CoHandlingOverrideBody>;
