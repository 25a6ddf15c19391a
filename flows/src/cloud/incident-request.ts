import {
  IncidentReportBody,
  IncidentRequestId,
  IncidentTransitionBody,
  type ProtocolValidationError,
  parseWith,
} from '@gridlink/protocol';
import { z } from 'zod';
import { type RequestIdSource, requestIdOf } from './request-id.js';

/** `msg.payload` of a report: the report's body (`POST /incidents`) with `action: 'report'`; the request id optional. */
export const ReportPayload = IncidentReportBody.extend({
  action: z.literal('report'),
  request_id: IncidentRequestId.optional(),
});

/** `msg.payload` of a transition: its body (`POST /incidents/{id}/transitions`), the incident's id, the request id optional. */
export const TransitionPayload = IncidentTransitionBody.extend({
  incident_id: z.string().min(1, { error: 'expected the incident id, e.g. INC-20261125-000001' }),
  request_id: IncidentRequestId.optional(),
});

/** What one message asks of the cloud, with its request id settled. */
export type IncidentRequest =
  | { kind: 'report'; body: IncidentReportBody & { request_id: string } }
  | { kind: 'transition'; incidentId: string; body: IncidentTransitionBody & { request_id: string } };

/**
 * Reads `msg.payload` as a report (`action: 'report'`) or a transition (any other action, with
 * `incident_id`), by the cloud's own body schemas; errors name each field and what it expects.
 * The request id is the message's or one derived from `_msgid` (see {@link requestIdOf}).
 */
export function incidentRequestOf(
  msg: RequestIdSource,
): { ok: true; request: IncidentRequest } | { ok: false; error: ProtocolValidationError | Error } {
  const payload = msg.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return {
      ok: false,
      error: new Error(
        'msg.payload must be an object with an action: {"action":"report", …} or {"action":"accept","incident_id":"…"}',
      ),
    };
  }
  const action = (payload as { action?: unknown }).action;
  let requestId: string;
  try {
    requestId = requestIdOf(msg, typeof action === 'string' ? action : 'unknown');
  } catch (error) {
    return { ok: false, error: error as Error };
  }
  if (action === 'report') {
    const parsed = parseWith(ReportPayload, payload, 'msg.payload');
    if (!parsed.ok) return parsed;
    const { action: _report, ...body } = parsed.value;
    return { ok: true, request: { kind: 'report', body: { ...body, request_id: requestId } } };
  }
  const parsed = parseWith(TransitionPayload, payload, 'msg.payload');
  if (!parsed.ok) return parsed;
  const { incident_id, ...body } = parsed.value;
  return {
    ok: true,
    request: { kind: 'transition', incidentId: incident_id, body: { ...body, request_id: requestId } },
  };
}
