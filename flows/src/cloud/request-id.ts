import { IncidentRequestId, parseWith } from '@gridlink/protocol';

/** What a message may carry to name its request; Node-RED gives every message a `_msgid`. */
export interface RequestIdSource {
  _msgid?: unknown;
  request_id?: unknown;
  payload?: unknown;
}

/**
 * The request id of an incident action taken for `msg`: `msg.payload.request_id`, else
 * `msg.request_id`, else one derived from the message's `_msgid` and the action
 * (`node-red:<_msgid>:<action>`). Node-RED keeps `_msgid` when a message is passed on or sent
 * again (a retry loop from a `catch` node), so the same message repeats the same request and the
 * cloud does it once; the action is part of it because one message may both report and act.
 */
export function requestIdOf(msg: RequestIdSource, action: string): string {
  const payload =
    typeof msg.payload === 'object' && msg.payload !== null ? (msg.payload as Record<string, unknown>) : {};
  const given = payload.request_id ?? msg.request_id;
  if (given !== undefined) {
    const parsed = parseWith(IncidentRequestId, given, 'request_id');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  }
  if (typeof msg._msgid !== 'string' || msg._msgid === '') {
    throw new Error('the message has no request_id and no _msgid to derive one from: set msg.request_id');
  }
  return `node-red:${msg._msgid}:${action}`.slice(0, 128);
}
